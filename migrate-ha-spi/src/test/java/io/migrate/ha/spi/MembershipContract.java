package io.migrate.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Membership} (issue 17): a node that heartbeats is seen live by every
 * member, a node that stops is not after the implementation's death-detection time, an id never
 * seen is not alive, listeners hear the change. Shipped in the {@code migrate-ha-spi} test-jar; a
 * host with its own membership extends it (see {@code docs/contract-tests.md}).
 */
public abstract class MembershipContract {
    private final List<Membership> opened = new ArrayList<>();

    /**
     * @param nodeId the member's own id
     * @return a member, not started, sharing one backend with every other member made during the
     *     current test (and no other)
     */
    protected abstract Membership newMember(String nodeId) throws Exception;

    /** @return how long detecting a death (or a new node) may take */
    protected Duration deadline() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Membership::close);
    }

    private Membership member(String id) throws Exception {
        Membership m = newMember(id);
        opened.add(m);
        m.start();
        return m;
    }

    @Test
    void aHeartbeatingNodeIsSeenLiveByEveryMember() throws Exception {
        Membership a = member("node-a");
        Membership b = member("node-b");
        await().atMost(deadline()).until(() -> {
            a.heartbeat();
            b.heartbeat();
            return a.liveNodes().containsAll(Set.of("node-a", "node-b")) && b.isAlive("node-a") && a.isAlive("node-b");
        });
        assertThat(a.knownNodes()).contains("node-b");
    }

    @Test
    void aNodeThatStopsIsNoLongerLiveForTheOthers() throws Exception {
        Membership a = member("node-a");
        Membership b = member("node-b");
        await().atMost(deadline()).until(() -> {
            a.heartbeat();
            b.heartbeat();
            return a.isAlive("node-b");
        });
        b.close();
        b.close(); // idempotent
        await().atMost(deadline()).until(() -> {
            a.heartbeat();
            return !a.isAlive("node-b") && !a.liveNodes().contains("node-b");
        });
        assertThat(a.isAlive("node-a")).isTrue();
    }

    @Test
    void anIdNeverSeenIsNotAlive() throws Exception {
        Membership a = member("node-a");
        a.heartbeat();
        assertThat(a.isAlive("never-seen-node")).isFalse();
        assertThat(a.liveNodes()).doesNotContain("never-seen-node");
    }

    @Test
    void listenersHearANodeArrive() throws Exception {
        Membership a = member("node-a");
        List<Set<String>> heard = new CopyOnWriteArrayList<>();
        a.addListener(heard::add);
        Membership b = member("node-b");
        await().atMost(deadline()).until(() -> {
            a.heartbeat();
            b.heartbeat();
            return heard.stream().anyMatch(s -> s.contains("node-b"));
        });
        a.removeListener(heard::add); // an unknown listener is ignored
    }
}
