package io.migrate.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.ha.HighAvailability;
import io.migrate.ha.spi.LeadershipState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ZooKeeperMembershipIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    @RegisterExtension
    static final ZooKeeperClusterFixture zk = new ZooKeeperClusterFixture();

    private final List<ZooKeeperMembership> opened = new ArrayList<>();

    @TempDir
    Path root;

    @AfterEach
    void closeAll() {
        opened.forEach(ZooKeeperMembership::close);
    }

    private ZooKeeperMembership member(String node, String base) {
        ZooKeeperMembership m = new ZooKeeperMembership(zk.config(node, base));
        opened.add(m);
        m.start();
        return m;
    }

    @Test
    void nodesAppearOnFirstHeartbeatAndLeaveWithTheirSession() throws Exception {
        String base = ZooKeeperClusterFixture.newBasePath();
        ZooKeeperMembership observer = member("manager", base);
        List<Set<String>> events = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        observer.addListener(live -> {
            events.add(live);
            threads.add(Thread.currentThread().getName());
        });
        ZooKeeperMembership a = member("node-a", base);
        ZooKeeperMembership b = member("node-b", base);
        assertThat(observer.isAlive("node-a")).as("not registered before its first heartbeat").isFalse();

        a.heartbeat();
        await().atMost(DEADLINE).until(() -> observer.liveNodes().equals(Set.of("node-a")));
        b.heartbeat();
        b.heartbeat();
        await().atMost(DEADLINE).until(() -> observer.liveNodes().equals(Set.of("node-a", "node-b")));
        assertThat(observer.isAlive("node-b")).isTrue();
        assertThat(observer.liveNodes()).doesNotContain("manager");

        a.close();
        await().atMost(DEADLINE).until(() -> observer.liveNodes().equals(Set.of("node-b")));
        assertThat(observer.isAlive("node-a")).isFalse();
        assertThat(observer.knownNodes()).contains("node-a", "node-b");

        // Session expiry: the ephemeral goes, and comes back with the new session.
        long t0 = System.nanoTime();
        KillSession.kill(b.client().getZookeeperClient().getZooKeeper());
        await().atMost(DEADLINE).until(() -> events.stream().anyMatch(s -> s.isEmpty()));
        await().atMost(DEADLINE).until(() -> observer.liveNodes().equals(Set.of("node-b")));
        System.out.printf("MEMBERSHIP zookeeper: node-b back after session expiry in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);

        assertThat(events).startsWith(Set.of("node-a"), Set.of("node-a", "node-b"), Set.of("node-b"), Set.of());
        assertThat(Set.copyOf(threads)).hasSize(1);
        assertThat(threads.get(0)).startsWith("migrate-ha-membership-");
    }

    @Test
    void providerBuildsElectionAndMembershipFromProperties() {
        try (HighAvailability ha = HighAvailability.fromProperties("solo", root, Map.of(
                "ha.type", "zookeeper",
                "ha.zookeeper.connect", zk.cluster.getConnectString(),
                "ha.zookeeper.sessionTimeout", "2s",
                "ha.zookeeper.connectionTimeout", "1s",
                "ha.zookeeper.path", ZooKeeperClusterFixture.newBasePath()))) {
            assertThat(ha.election()).isInstanceOf(ZooKeeperLeaderElection.class);
            assertThat(ha.membership()).isInstanceOf(ZooKeeperMembership.class);
            ha.start();
            await().atMost(DEADLINE).until(() -> ha.election().state() == LeadershipState.LEADER);
            assertThat(ha.election().revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(ha.election().currentLeader()).contains("solo");
            ha.membership().heartbeat();
            await().atMost(DEADLINE).until(() -> ha.membership().isAlive("solo"));
        }
    }
}
