package io.migrate.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link LeaderElection} (issue 17): one leader among the participants of one
 * election, listeners told in order, leadership given up first on close. Shipped in the
 * {@code migrate-ha-spi} test-jar; a host with its own election extends it (see
 * {@code docs/contract-tests.md}).
 */
public abstract class LeaderElectionContract {
    private final List<LeaderElection> opened = new ArrayList<>();

    /**
     * @param nodeId a participant's id
     * @return a participant, not started, in the same election as every other one made during
     *     the current test (and no other)
     */
    protected abstract LeaderElection newParticipant(String nodeId) throws Exception;

    /** @return the participants of a test; the first is the one a fixed election names leader */
    protected List<String> participants() {
        return List.of("n1", "n2", "n3");
    }

    /** @return whether another participant takes over when the leader leaves (false for fixed leaders) */
    protected boolean failsOver() {
        return true;
    }

    /** @return how long an election may take */
    protected Duration deadline() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    void closeAll() {
        opened.forEach(LeaderElection::close);
    }

    private List<LeaderElection> startAll() throws Exception {
        List<LeaderElection> all = new ArrayList<>();
        for (String id : participants()) {
            LeaderElection e = newParticipant(id);
            opened.add(e);
            assertThat(e.nodeId()).isEqualTo(id);
            assertThat(e.state()).as("before start").isNotEqualTo(LeadershipState.LEADER);
            all.add(e);
        }
        all.forEach(LeaderElection::start);
        return all;
    }

    private LeaderElection awaitOneLeader(List<LeaderElection> all) {
        await().atMost(deadline()).until(() -> leaders(all).size() == 1);
        return leaders(all).get(0);
    }

    private static List<LeaderElection> leaders(List<LeaderElection> all) {
        return all.stream().filter(e -> e.state() == LeadershipState.LEADER).collect(Collectors.toList());
    }

    @Test
    void exactlyOneParticipantLeadsAndEveryoneNamesIt() throws Exception {
        List<LeaderElection> all = startAll();
        LeaderElection leader = awaitOneLeader(all);
        assertThat(leader.revalidate()).isEqualTo(LeadershipState.LEADER);
        await().atMost(deadline()).untilAsserted(() -> {
            for (LeaderElection e : all) {
                e.currentLeader().ifPresent(l -> assertThat(l).isEqualTo(leader.nodeId()));
            }
        });
        assertThat(leaders(all)).containsExactly(leader);
    }

    @Test
    void listenersHearStatesInOrderEndingWithTheReportedOne() throws Exception {
        List<List<LeadershipState>> heard = new ArrayList<>();
        List<LeaderElection> all = new ArrayList<>();
        for (String id : participants()) {
            LeaderElection e = newParticipant(id);
            opened.add(e);
            List<LeadershipState> states = new CopyOnWriteArrayList<>();
            e.addListener((previous, current) -> {
                assertThat(previous).as("a change is a change").isNotEqualTo(current);
                states.add(current);
            });
            heard.add(states);
            all.add(e);
        }
        all.forEach(LeaderElection::start);
        LeaderElection leader = awaitOneLeader(all);
        List<LeadershipState> leaderHeard = heard.get(all.indexOf(leader));
        await().atMost(deadline()).until(() -> !leaderHeard.isEmpty()
                && leaderHeard.get(leaderHeard.size() - 1) == LeadershipState.LEADER);
        for (int i = 1; i < leaderHeard.size(); i++) {
            assertThat(leaderHeard.get(i)).as("no repeated state").isNotEqualTo(leaderHeard.get(i - 1));
        }
    }

    @Test
    void closeGivesUpLeadershipFirstIsIdempotentAndAnotherTakesOver() throws Exception {
        List<LeaderElection> all = startAll();
        LeaderElection leader = awaitOneLeader(all);
        leader.close();
        assertThat(leader.state()).isNotEqualTo(LeadershipState.LEADER);
        leader.close();
        if (failsOver()) {
            List<LeaderElection> rest = new ArrayList<>(all);
            rest.remove(leader);
            LeaderElection next = awaitOneLeader(rest);
            assertThat(next).isNotSameAs(leader);
        }
    }
}
