package io.migrate.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.ha.spi.LeadershipState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leader election on a real 3-server ensemble. Every test runs a watcher that samples all
 * elections' states every millisecond and counts moments with two LEADERs.
 */
class ZooKeeperLeaderElectionIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    @RegisterExtension
    static final ZooKeeperClusterFixture zk = new ZooKeeperClusterFixture();

    private final List<ZooKeeperLeaderElection> elections = new ArrayList<>();
    private SplitBrainWatch watch;

    @AfterEach
    void closeAll() {
        if (watch != null) {
            watch.close();
        }
        elections.forEach(ZooKeeperLeaderElection::close);
    }

    private List<ZooKeeperLeaderElection> startThree() {
        String base = ZooKeeperClusterFixture.newBasePath();
        for (String node : List.of("node-a", "node-b", "node-c")) {
            ZooKeeperLeaderElection e = new ZooKeeperLeaderElection(zk.config(node, base));
            elections.add(e);
            e.start();
        }
        watch = new SplitBrainWatch(elections);
        return elections;
    }

    private ZooKeeperLeaderElection awaitSingleLeader(List<ZooKeeperLeaderElection> among) {
        AtomicReference<ZooKeeperLeaderElection> leader = new AtomicReference<>();
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(5)).until(() -> {
            List<ZooKeeperLeaderElection> leaders = among.stream()
                    .filter(e -> e.state() == LeadershipState.LEADER).toList();
            if (leaders.size() == 1) {
                leader.set(leaders.get(0));
                return true;
            }
            return false;
        });
        return leader.get();
    }

    private static List<ZooKeeperLeaderElection> others(List<ZooKeeperLeaderElection> all, ZooKeeperLeaderElection one) {
        return all.stream().filter(e -> e != one).toList();
    }

    @Test
    void leadershipMovesWhenTheLeadersClientCloses() {
        List<ZooKeeperLeaderElection> all = startThree();
        ZooKeeperLeaderElection first = awaitSingleLeader(all);
        assertThat(first.revalidate()).isEqualTo(LeadershipState.LEADER);
        assertThat(others(all, first).get(0).currentLeader()).contains(first.nodeId());

        long t0 = System.nanoTime();
        first.close();
        assertThat(first.state()).isEqualTo(LeadershipState.NOT_LEADER);
        ZooKeeperLeaderElection second = awaitSingleLeader(others(all, first));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("FAILOVER zookeeper client-close: %d ms%n", ms);

        assertThat(second).isNotSameAs(first);
        assertThat(second.revalidate()).isEqualTo(LeadershipState.LEADER);
        assertThat(watch.violations()).as("moments with two LEADERs").isZero();
        assertThat(watch.samples()).isPositive();
    }

    @Test
    void leadershipMovesWhenTheLeadersSessionExpires() throws Exception {
        List<ZooKeeperLeaderElection> all = startThree();
        ZooKeeperLeaderElection first = awaitSingleLeader(all);
        List<String> firstEvents = new CopyOnWriteArrayList<>();
        first.addListener((p, c) -> firstEvents.add(p + "->" + c));

        long t0 = System.nanoTime();
        KillSession.kill(first.client().getZookeeperClient().getZooKeeper());
        await().atMost(DEADLINE).until(() -> firstEvents.contains("LEADER->NOT_LEADER")
                || firstEvents.contains("LEADER->UNKNOWN"));
        long lostMs = (System.nanoTime() - t0) / 1_000_000;
        ZooKeeperLeaderElection next = awaitSingleLeader(all);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("FAILOVER zookeeper session-expiry: old leader stopped after %d ms, "
                + "a leader (%s, was %s) after %d ms%n", lostMs, next.nodeId(), first.nodeId(), ms);

        assertThat(watch.violations()).as("moments with two LEADERs").isZero();
        // The expired node rejoined with a new session and can lead again later.
        await().atMost(DEADLINE).until(() -> first.state() != LeadershipState.UNKNOWN);
        assertThat(next.revalidate()).isEqualTo(LeadershipState.LEADER);
    }

    @Test
    void quorumLostLongerThanTheSessionTimeoutMeansNobodyLeadsUntilItReturns() throws Exception {
        List<ZooKeeperLeaderElection> all = startThree();
        ZooKeeperLeaderElection first = awaitSingleLeader(all);
        List<String> firstEvents = new CopyOnWriteArrayList<>();
        first.addListener((p, c) -> firstEvents.add(p + "->" + c));
        List<InstanceSpec> stopped = new ArrayList<>(zk.cluster.getInstances()).subList(0, 2);

        long t0 = System.nanoTime();
        for (InstanceSpec s : stopped) {
            zk.cluster.killServer(s);
        }
        try {
            await().atMost(DEADLINE).until(() -> all.stream().noneMatch(e -> e.state() == LeadershipState.LEADER));
            long unknownMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(first.revalidate()).isNotEqualTo(LeadershipState.LEADER);
            // Past the session timeout the sessions count as lost: NOT_LEADER everywhere.
            await().atMost(DEADLINE).until(() -> all.stream().allMatch(e -> e.state() == LeadershipState.NOT_LEADER));
            long lostMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("FAILOVER zookeeper quorum loss: leader stopped (UNKNOWN) after %d ms, "
                    + "all NOT_LEADER after %d ms%n", unknownMs, lostMs);
            // Suspended means UNKNOWN at once; LOST (after the session timeout) means NOT_LEADER.
            assertThat(firstEvents).contains("LEADER->UNKNOWN", "UNKNOWN->NOT_LEADER");
            assertThat(firstEvents.indexOf("LEADER->UNKNOWN")).isLessThan(firstEvents.indexOf("UNKNOWN->NOT_LEADER"));
        } finally {
            for (InstanceSpec s : stopped) {
                zk.cluster.restartServer(s);
            }
        }
        long t1 = System.nanoTime();
        ZooKeeperLeaderElection again = awaitSingleLeader(all);
        System.out.printf("FAILOVER zookeeper quorum back: leader %s after %d ms%n",
                again.nodeId(), (System.nanoTime() - t1) / 1_000_000);
        assertThat(again.revalidate()).isEqualTo(LeadershipState.LEADER);
        assertThat(watch.violations()).as("moments with two LEADERs").isZero();
    }

    @Test
    void revalidateResetsTheLatchWhenItsNodeIsNoLongerOurs() throws Exception {
        List<ZooKeeperLeaderElection> all = startThree();
        ZooKeeperLeaderElection first = awaitSingleLeader(all);
        watch.close(); // this test creates the overlap on purpose; revalidate() is the guard
        String ourNode = first.latchNodePath();
        try (CuratorFramework admin = CuratorFrameworkFactory.newClient(zk.cluster.getConnectString(),
                new RetryOneTime(100))) {
            admin.start();
            admin.delete().forPath(ourNode);
        }
        List<String> events = new CopyOnWriteArrayList<>();
        first.addListener((p, c) -> events.add(p + "->" + c));
        assertThat(first.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
        await().atMost(DEADLINE).until(() -> events.contains("LEADER->NOT_LEADER"));
        // The latch was replaced (a new sequence node), and exactly one node leads afterwards.
        await().atMost(DEADLINE).until(() -> first.latchNodePath() != null && !ourNode.equals(first.latchNodePath()));
        ZooKeeperLeaderElection next = awaitSingleLeader(all);
        assertThat(next.revalidate()).isEqualTo(LeadershipState.LEADER);
    }

    @Test
    void stateIsUnknownBeforeStartAndNotLeaderAfterClose() {
        ZooKeeperLeaderElection e = new ZooKeeperLeaderElection(zk.config("solo"));
        elections.add(e);
        assertThat(e.state()).isEqualTo(LeadershipState.UNKNOWN);
        assertThat(e.revalidate()).isEqualTo(LeadershipState.UNKNOWN);
        e.start();
        await().atMost(DEADLINE).until(() -> e.state() == LeadershipState.LEADER);
        e.close();
        e.close();
        assertThat(e.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
    }

    /** Samples every election's cached state each millisecond; counts samples with 2+ LEADERs. */
    static final class SplitBrainWatch implements AutoCloseable {
        private final AtomicInteger violations = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        private final Thread thread;
        private volatile boolean running = true;

        SplitBrainWatch(List<ZooKeeperLeaderElection> elections) {
            thread = new Thread(() -> {
                while (running) {
                    long leaders = elections.stream().filter(e -> e.state() == LeadershipState.LEADER).count();
                    samples.incrementAndGet();
                    if (leaders > 1) {
                        violations.incrementAndGet();
                    }
                    try {
                        Thread.sleep(1); // sampling period of a monitor, not synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "test-split-brain-watch");
            thread.setDaemon(true);
            thread.start();
        }

        int violations() {
            return violations.get();
        }

        int samples() {
            return samples.get();
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
