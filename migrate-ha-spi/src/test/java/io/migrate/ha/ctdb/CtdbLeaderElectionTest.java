package io.migrate.ha.ctdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.ha.spi.LeadershipState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State rules against outputs recorded from Samba 4.17's ctdb (see test-infra.md). */
class CtdbLeaderElectionTest {
    private static final String NODESTATUS_OK = "pnn:1 127.0.0.2        OK (THIS NODE)\n";

    private static CtdbConfig config(CtdbConfig.LeaderCommand leaderCommand) {
        return CtdbConfig.builder().nodeId("node-b").nodes(Map.of(0, "node-a", 1, "node-b", 2, "node-c"))
                .timeout(Duration.ofSeconds(3)).leaderCommand(leaderCommand).build();
    }

    private static LeadershipState check(ScriptedRunner runner) {
        try (CtdbLeaderElection e = new CtdbLeaderElection(config(CtdbConfig.LeaderCommand.AUTO), runner)) {
            return e.revalidate();
        }
    }

    private static ScriptedRunner healthyNode1() {
        return new ScriptedRunner().answer("pnn", 0, "1\n").answer("nodestatus", 0, NODESTATUS_OK);
    }

    @Test
    void leadsWhenLeaderIsThisPnnAndNodeIsHealthy() {
        ScriptedRunner r = healthyNode1().answer("leader", 0, "1\n");
        try (CtdbLeaderElection e = new CtdbLeaderElection(config(CtdbConfig.LeaderCommand.AUTO), r)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(e.currentLeader()).contains("node-b");
            assertThat(e.leaderCommandInUse()).isEqualTo(CtdbConfig.LeaderCommand.LEADER);
        }
        assertThat(r.calls).contains(List.of("-T", "3", "leader"));
    }

    @Test
    void anotherLeaderMeansNotLeader() {
        ScriptedRunner r = healthyNode1().answer("leader", 0, "2\n");
        try (CtdbLeaderElection e = new CtdbLeaderElection(config(CtdbConfig.LeaderCommand.AUTO), r)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
            assertThat(e.currentLeader()).contains("node-c");
        }
    }

    @Test
    void unknownLeaderWithExitZeroIsUnknown() {
        assertThat(check(healthyNode1().answer("leader", 0, "UNKNOWN\n"))).isEqualTo(LeadershipState.UNKNOWN);
    }

    @Test
    void electionInProgressTimesOutAsUnknown() {
        // What ctdb prints when -T expires during an election, and a hang we had to kill.
        assertThat(check(healthyNode1().answer("leader", 1, "", "Maximum runtime exceeded - exiting\n")))
                .isEqualTo(LeadershipState.UNKNOWN);
        assertThat(check(healthyNode1().timeout("leader"))).isEqualTo(LeadershipState.UNKNOWN);
    }

    @Test
    void garbageIsUnknownNeverLeader() {
        for (String garbage : List.of("", "1 2", "-1", "leader is 1", "1\n2\n", "\u0000", "999999999")) {
            assertThat(check(healthyNode1().answer("leader", 0, garbage))).as(garbage).isEqualTo(LeadershipState.UNKNOWN);
        }
        assertThat(check(new ScriptedRunner().answer("pnn", 0, "node one").answer("leader", 0, "1")))
                .isEqualTo(LeadershipState.UNKNOWN);
    }

    @Test
    void missingDaemonIsUnknown() {
        assertThat(check(new ScriptedRunner().noDaemon())).isEqualTo(LeadershipState.UNKNOWN);
    }

    @Test
    void unhealthyLeaderNodeDoesNotLead() {
        // ctdb nodestatus exits with the OR of the node's flags (UNHEALTHY=2).
        ScriptedRunner r = new ScriptedRunner().answer("pnn", 0, "1").answer("leader", 0, "1")
                .answer("nodestatus", 2, "pnn:1 127.0.0.2        UNHEALTHY (THIS NODE)\n");
        assertThat(check(r)).isEqualTo(LeadershipState.NOT_LEADER);
        ScriptedRunner hung = new ScriptedRunner().answer("pnn", 0, "1").answer("leader", 0, "1").timeout("nodestatus");
        assertThat(check(hung)).isEqualTo(LeadershipState.UNKNOWN);
    }

    @Test
    void autoFallsBackToRecmasterOnOlderCtdbAndProbesOnce() {
        // Before Samba 4.16 there is no 'leader' command; recmaster prints the PNN.
        ScriptedRunner r = healthyNode1().answer("leader", 1, "", "Unknown command 'leader'\n")
                .answer("recmaster", 0, "1\n");
        try (CtdbLeaderElection e = new CtdbLeaderElection(config(CtdbConfig.LeaderCommand.AUTO), r)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(e.revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(e.leaderCommandInUse()).isEqualTo(CtdbConfig.LeaderCommand.RECMASTER);
        }
        assertThat(r.count("leader")).isEqualTo(1);
        assertThat(r.count("recmaster")).isEqualTo(2);
        assertThat(r.count("pnn")).as("PNN cached").isEqualTo(1);
    }

    @Test
    void configuredRecmasterNeverAsksLeader() {
        ScriptedRunner r = healthyNode1().answer("recmaster", 0, "0\n");
        try (CtdbLeaderElection e = new CtdbLeaderElection(config(CtdbConfig.LeaderCommand.RECMASTER), r)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
        }
        assertThat(r.count("leader")).isZero();
    }

    @Test
    void autoKeepsProbingWhileLeaderTimesOut() {
        ScriptedRunner r = healthyNode1().timeout("leader");
        try (CtdbLeaderElection e = new CtdbLeaderElection(config(CtdbConfig.LeaderCommand.AUTO), r)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.UNKNOWN);
            assertThat(e.leaderCommandInUse()).isEqualTo(CtdbConfig.LeaderCommand.AUTO);
        }
    }

    @Test
    void hungCtdbProcessIsKilledAtTheTimeout(@TempDir Path dir) throws Exception {
        // A real child process that never answers, like ctdb blocking during an election.
        Path fake = dir.resolve("ctdb");
        Files.writeString(fake, "#!/bin/sh\nexec sleep 600\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        CtdbConfig c = CtdbConfig.builder().nodeId("node-b").nodes(Map.of(1, "node-b"))
                .command(fake.toString()).timeout(Duration.ofSeconds(1)).build();
        ProcessCommandRunner runner = new ProcessCommandRunner(c.command(), Map.of());
        long before = ProcessHandle.current().descendants().count();
        try (CtdbLeaderElection e = new CtdbLeaderElection(c, runner)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.UNKNOWN);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count())
                        .as("the hung process was killed").isLessThanOrEqualTo(before));
        assertThat(ProcessHandle.current().descendants().map(h -> h.info().commandLine().orElse(""))
                .filter(cmd -> cmd.contains("sleep 600"))).as("no hung fake ctdb left").isEmpty();
    }

    @Test
    void ctdbSignallingItsProcessGroupDoesNotReachThisJvm(@TempDir Path dir) throws Exception {
        // What ctdb's -T alarm handler does: kill(0, SIGTERM). Run in our process group, it
        // would terminate this test JVM (and Maven); the runner must isolate it.
        Path fake = dir.resolve("ctdb");
        Files.writeString(fake, "#!/bin/sh\necho 'Maximum runtime exceeded - exiting' >&2\nkill -TERM 0\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        CommandRunner.Result r = new ProcessCommandRunner(fake.toString(), Map.of())
                .run(List.of("-T", "1", "leader"), Duration.ofSeconds(5));
        assertThat(r.ok()).isFalse();
        assertThat(ProcessHandle.current().isAlive()).as("still here").isTrue();
    }

    @Test
    void maxRuntimeIsDroppedOnlyWhenItCannotBeIsolated() {
        assertThat(ProcessCommandRunner.withoutMaxRuntime(List.of("-T", "3", "leader"))).containsExactly("leader");
        assertThat(ProcessCommandRunner.withoutMaxRuntime(List.of("pnn"))).containsExactly("pnn");
    }

    @Test
    void missingCommandIsUnknown() {
        CtdbConfig c = CtdbConfig.builder().nodeId("node-b").nodes(Map.of(1, "node-b"))
                .command("/nonexistent/ctdb").build();
        try (CtdbLeaderElection e = new CtdbLeaderElection(c)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.UNKNOWN);
        }
    }

    @Test
    void passesTheConfiguredEnvironment(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("ctdb");
        // Answers like ctdb, but only when the socket variable reached it.
        Files.writeString(fake, "#!/bin/sh\n[ \"$CTDB_SOCKET\" = /x/ctdbd.socket ] || exit 1\n"
                + "case \"$3\" in pnn|leader) echo 0;; nodestatus) echo 'pnn:0 127.0.0.1 OK (THIS NODE)';; esac\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        CtdbConfig c = CtdbConfig.builder().nodeId("node-a").nodes(Map.of(0, "node-a"))
                .command(fake.toString()).environment(Map.of("CTDB_SOCKET", "/x/ctdbd.socket")).build();
        try (CtdbLeaderElection e = new CtdbLeaderElection(c)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.LEADER);
        }
    }
}
