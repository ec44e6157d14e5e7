package io.migrate.ha.ctdb;

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
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real 3-node CTDB cluster of local daemons: SIGKILL the leader's ctdbd, and see
 * leadership move and the dead node reported down. Prints the measured times.
 */
class CtdbClusterIT {
    private static final Map<Integer, String> IDS = Map.of(0, "node-a", 1, "node-b", 2, "node-c");
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static LocalCtdbCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        Assumptions.assumeTrue(LocalCtdbCluster.missingBinaries().isEmpty(),
                () -> "skipping the CTDB cluster test: " + LocalCtdbCluster.missingBinaries().orElseThrow());
        cluster = new LocalCtdbCluster(dir);
        try {
            Duration up = cluster.start();
            System.out.printf("CTDB 3 local daemons healthy after %d ms%n", up.toMillis());
        } catch (ConditionTimeoutException e) {
            if (e.getCause() instanceof LocalCtdbCluster.DaemonCannotStart cannot) {
                Assumptions.abort("skipping the CTDB cluster test: ctdbd cannot run here: " + cannot.getMessage());
            }
            throw new AssertionError("CTDB cluster not healthy in time; node 0 log:\n" + cluster.log(0), e);
        } catch (LocalCtdbCluster.DaemonCannotStart cannot) {
            Assumptions.abort("skipping the CTDB cluster test: ctdbd cannot run here: " + cannot.getMessage());
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static CtdbConfig config(int pnn) {
        return CtdbConfig.builder().nodeId(IDS.get(pnn)).nodes(IDS)
                .command(LocalCtdbCluster.find("ctdb").orElseThrow().toString())
                .environment(cluster.clientEnv(pnn)).timeout(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(250)).build();
    }

    @Test
    void leadershipMovesWhenTheLeadersDaemonIsKilledAndTheNodeIsReportedDown() throws Exception {
        List<CtdbLeaderElection> elections = new ArrayList<>();
        List<CtdbMembership> memberships = new ArrayList<>();
        AtomicInteger doubleLeader = new AtomicInteger();
        try {
            for (int i = 0; i < LocalCtdbCluster.NODES; i++) {
                CtdbLeaderElection e = new CtdbLeaderElection(config(i));
                elections.add(e);
                e.addListener((p, c) -> {
                    if (elections.stream().filter(x -> x.state() == LeadershipState.LEADER).count() > 1) {
                        doubleLeader.incrementAndGet();
                    }
                });
                e.start();
                CtdbMembership m = new CtdbMembership(config(i));
                memberships.add(m);
                m.start();
            }
            await().atMost(DEADLINE).until(() -> elections.stream().filter(e -> e.state() == LeadershipState.LEADER).count() == 1);
            int leader = elections.indexOf(elections.stream().filter(e -> e.state() == LeadershipState.LEADER).findFirst().orElseThrow());
            String leaderId = IDS.get(leader);
            assertThat(elections.get(leader).leaderCommandInUse()).as("Samba >= 4.16 has 'leader'")
                    .isEqualTo(CtdbConfig.LeaderCommand.LEADER);
            for (CtdbLeaderElection e : elections) {
                assertThat(e.revalidate()).isEqualTo(e == elections.get(leader) ? LeadershipState.LEADER : LeadershipState.NOT_LEADER);
                assertThat(e.currentLeader()).contains(leaderId);
            }
            int observer = (leader + 1) % LocalCtdbCluster.NODES;
            CtdbMembership survivorView = memberships.get(observer);
            await().atMost(DEADLINE).until(() -> survivorView.liveNodes().equals(Set.copyOf(IDS.values())));

            long t0 = System.nanoTime();
            cluster.kill(leader);
            await().atMost(DEADLINE).until(() -> elections.get(leader).state() != LeadershipState.LEADER);
            long stoppedMs = (System.nanoTime() - t0) / 1_000_000;
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).until(() -> elections.stream()
                    .anyMatch(e -> e != elections.get(leader) && e.state() == LeadershipState.LEADER));
            long newLeaderMs = (System.nanoTime() - t0) / 1_000_000;
            await().atMost(DEADLINE).until(() -> !survivorView.isAlive(leaderId));
            long downMs = (System.nanoTime() - t0) / 1_000_000;
            CtdbLeaderElection next = elections.stream()
                    .filter(e -> e.state() == LeadershipState.LEADER).findFirst().orElseThrow();
            System.out.printf("FAILOVER ctdb SIGKILL of %s's ctdbd: it stopped leading after %d ms, %s leads after %d ms, "
                    + "%s reported down after %d ms%n", leaderId, stoppedMs, next.nodeId(), newLeaderMs, leaderId, downMs);

            assertThat(elections.get(leader).revalidate()).as("no daemon: unknown, never leader")
                    .isEqualTo(LeadershipState.UNKNOWN);
            assertThat(next.revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(survivorView.liveNodes()).doesNotContain(leaderId).hasSize(2);
            assertThat(doubleLeader).as("listener saw two LEADERs").hasValue(0);

            // The provider wires the same thing from properties.
            try (HighAvailability ha = HighAvailability.fromProperties(next.nodeId(), dir, Map.of(
                    "ha.type", "ctdb", "ha.ctdb.nodes", "0:node-a,1:node-b,2:node-c",
                    "ha.ctdb.command", LocalCtdbCluster.find("ctdb").orElseThrow().toString(),
                    "ha.ctdb.env", "CTDB_SOCKET:" + cluster.clientEnv(elections.indexOf(next)).get("CTDB_SOCKET"),
                    "ha.ctdb.timeout", "2s"))) {
                assertThat(ha.election().revalidate()).isEqualTo(LeadershipState.LEADER);
                assertThat(ha.membership().isAlive(leaderId)).isFalse();
                assertThat(ha.membership().isAlive(next.nodeId())).isTrue();
            }
        } finally {
            elections.forEach(CtdbLeaderElection::close);
            memberships.forEach(CtdbMembership::close);
        }
    }

    @Test
    void recordedOutputsStillMatchThisCtdb() throws Exception {
        ProcessCommandRunner client = new ProcessCommandRunner(
                LocalCtdbCluster.find("ctdb").orElseThrow().toString(), cluster.clientEnv(2));
        CommandRunner.Result pnn = client.run(List.of("-T", "2", "pnn"), Duration.ofSeconds(3));
        assertThat(CtdbOutput.pnn(pnn.stdout())).hasValue(2);
        CommandRunner.Result recmaster = client.run(List.of("-T", "2", "recmaster"), Duration.ofSeconds(3));
        assertThat(CtdbOutput.unknownCommand(recmaster)).as("4.17 renamed recmaster to leader").isTrue();
        CommandRunner.Result all = client.run(List.of("-T", "2", "-X", "nodestatus", "all"), Duration.ofSeconds(3));
        assertThat(CtdbOutput.nodeStatusAll(all.stdout())).hasValueSatisfying(rows -> {
            assertThat(rows).hasSize(3);
            assertThat(rows.get(2).thisNode()).isTrue();
        });
    }
}
