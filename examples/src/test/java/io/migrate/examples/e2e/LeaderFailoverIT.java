package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 2: the leading manager SIGKILLed twice mid-run (ZooKeeper elects the other, the
 * killed one comes back as follower); and a split brain where both managers are configured as
 * leader at once (static HA): task-root epochs fence them, at worst extra work.
 */
@E2e
class LeaderFailoverIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void leaderKilledTwiceMidRunLosesNothing(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("leader-kill", dir, servers, E2eCluster.Ha.ZOOKEEPER, 2, 3, Map.of())) {
            Workload w = new Workload(c, LeaderFailoverIT.class);
            c.startAll();
            int tasks = Workload.scaled(90);
            List<String> leaders = new ArrayList<>();
            for (int kill = 0; kill < 2; kill++) {
                // A third of the tasks per round, so each kill happens with work pending and running.
                for (int t = 0; t < tasks / 3; t++) {
                    w.submit(w.writeFiles("r" + kill + "t" + t, 10, 256, 4096));
                }
                String leader = awaitLeader(c);
                leaders.add(leader);
                long archivedBefore = c.count("archive");
                // Kill once the new round is visibly under way.
                await("round " + kill + " under way").atMost(Duration.ofSeconds(60))
                        .until(() -> c.count("archive") > archivedBefore + 2);
                c.kill(leader);
                String next = await("another manager leads").atMost(Duration.ofSeconds(30))
                        .until(() -> c.leader(), l -> l != null && !l.equals(leader));
                c.start(leader); // comes back as follower
                assertThat(next).isNotEqualTo(leader);
            }
            for (int t = 0; t < tasks - 2 * (tasks / 3); t++) {
                w.submit(w.writeFiles("tail" + t, 10, 256, 4096));
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertThat(c.kills()).isEqualTo(2);
            assertThat(r.failed()).as("no task gave up").isEmpty();
            System.out.println("E2E leader-kill: leaders killed in order " + leaders);
        }
    }

    @Test
    void twoManagersBothConfiguredAsLeaderAreFencedByEpochs(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("two-leaders", dir, servers,
                E2eCluster.Ha.STATIC_EVERY_MANAGER_LEADS, 2, 3, Map.of())) {
            Workload w = new Workload(c, LeaderFailoverIT.class);
            c.startAll();
            int tasks = Workload.scaled(90);
            for (int t = 0; t < tasks; t++) {
                w.submit(w.writeFiles("t" + t, 10, 256, 4096));
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertThat(r.failed()).as("no task gave up").isEmpty();
            // Both believed they lead: both took epochs on the task root, so they fenced each other.
            assertThat(c.managers).allSatisfy(m -> assertThat(c.output(m)).contains("Took leader epoch"));
            assertThat(c.managers.stream().map(c::output)).as("a manager was fenced by the other's epoch")
                    .anyMatch(out -> out.contains("Fenced: epoch"));
            System.out.println("E2E two-leaders: epochs taken " + epochs(c));
        }
    }

    static String awaitLeader(E2eCluster c) {
        return await("a leader").atMost(Duration.ofSeconds(30)).until(c::leader, l -> l != null);
    }

    private static List<String> epochs(E2eCluster c) throws Exception {
        List<String> out = new ArrayList<>();
        for (String m : c.managers) {
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("Took leader epoch (\\d+)").matcher(c.output(m));
            while (matcher.find()) {
                out.add(m + ":" + matcher.group(1));
            }
        }
        return out;
    }
}
