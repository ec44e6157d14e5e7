package io.migrate.ha.fixed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.ha.spi.LeadershipState;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VipLeaderElectionTest {
    /** Always on the loopback interface. */
    private static final String LOCAL = "127.0.0.1";
    /** TEST-NET-2 (RFC 5737): never assigned to a host; no traffic is ever sent to it. */
    private static final String NOT_LOCAL = "198.51.100.1";

    @TempDir
    Path dir;

    /** As a notify script should: {@code echo $3 > f.tmp && mv f.tmp f}, never a torn read. */
    private static void writeState(Path state, String content) throws Exception {
        Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, state, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static VipLeaderElection election(String vip, Path keepalived) throws Exception {
        VipLeaderElection.Builder b = VipLeaderElection.builder().nodeId("node-a")
                .vip(InetAddress.getByName(vip)).pollInterval(Duration.ofMillis(20));
        if (keepalived != null) {
            b.keepalivedState(keepalived);
        }
        return b.build();
    }

    @Test
    void leadsWhileThisHostHoldsTheAddress() throws Exception {
        try (VipLeaderElection e = election(LOCAL, null)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(e.currentLeader()).contains("node-a");
        }
    }

    @Test
    void doesNotLeadWithoutTheAddress() throws Exception {
        try (VipLeaderElection e = election(NOT_LOCAL, null)) {
            assertThat(e.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
            assertThat(e.currentLeader()).isEmpty();
        }
    }

    @Test
    void keepalivedNotifyFileIsCombinedWithTheAddress() throws Exception {
        Path state = dir.resolve("vrrp.state");
        try (VipLeaderElection e = election(LOCAL, state);
                VipLeaderElection absent = election(NOT_LOCAL, state)) {
            assertThat(e.revalidate()).as("no state written yet").isEqualTo(LeadershipState.UNKNOWN);
            writeState(state, "MASTER\n");
            assertThat(e.revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(absent.revalidate()).as("MASTER but no VIP").isEqualTo(LeadershipState.NOT_LEADER);
            writeState(state, "BACKUP\n");
            assertThat(e.revalidate()).as("stale VIP after a failover").isEqualTo(LeadershipState.NOT_LEADER);
            writeState(state, "FAULT\n");
            assertThat(e.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
            writeState(state, "garbage\n");
            assertThat(e.revalidate()).isEqualTo(LeadershipState.UNKNOWN);
        }
    }

    @Test
    void pollerDeliversTransitionsInOrderFromOneNamedThread() throws Exception {
        Path state = dir.resolve("vrrp.state");
        writeState(state, "MASTER\n");
        List<String> events = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (VipLeaderElection e = election(LOCAL, state)) {
            e.addListener((prev, cur) -> {
                events.add(prev + "->" + cur);
                threads.add(Thread.currentThread().getName());
            });
            e.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
            writeState(state, "BACKUP\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
            writeState(state, "MASTER\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 4);
        assertThat(events).containsExactly("UNKNOWN->LEADER", "LEADER->NOT_LEADER", "NOT_LEADER->LEADER",
                "LEADER->NOT_LEADER");
        assertThat(Set.copyOf(threads)).hasSize(1);
        assertThat(threads.get(0)).startsWith("migrate-ha-leader-");
    }

    @Test
    void keepalivedFifoClosedByItsWriterMakesLeadershipUnknown() throws Exception {
        Path fifo = dir.resolve("vrrp.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        try (VipLeaderElection e = election(LOCAL, fifo)) {
            e.start();
            assertThat(e.revalidate()).isEqualTo(LeadershipState.UNKNOWN);
            // keepalived's notify_fifo line format; the writer stays open like keepalived does.
            try (OutputStream keepalived = Files.newOutputStream(fifo)) {
                keepalived.write("INSTANCE \"VI_1\" MASTER 100\n".getBytes(StandardCharsets.US_ASCII));
                keepalived.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> e.state() == LeadershipState.LEADER);
                keepalived.write("INSTANCE \"VI_1\" BACKUP 100\n".getBytes(StandardCharsets.US_ASCII));
                keepalived.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> e.state() == LeadershipState.NOT_LEADER);
                keepalived.write("INSTANCE \"VI_1\" MASTER 100\n".getBytes(StandardCharsets.US_ASCII));
                keepalived.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> e.state() == LeadershipState.LEADER);
            }
            // The writer is gone (what a SIGKILLed keepalived looks like): the stale VIP is not trusted.
            await().atMost(Duration.ofSeconds(10)).until(() -> e.state() == LeadershipState.UNKNOWN);
        }
    }

    @Test
    void parsesScriptAndFifoLines() {
        assertThat(KeepalivedState.parseLine("MASTER")).isEqualTo(KeepalivedState.MASTER);
        assertThat(KeepalivedState.parseLine("INSTANCE \"VI_1\" BACKUP 100")).isEqualTo(KeepalivedState.BACKUP);
        assertThat(KeepalivedState.parseLine("GROUP \"G1\" FAULT")).isEqualTo(KeepalivedState.FAULT);
        assertThat(KeepalivedState.parseLine("")).isEqualTo(KeepalivedState.UNKNOWN);
        assertThat(KeepalivedState.parseFile("BACKUP\nMASTER\n\n")).isEqualTo(KeepalivedState.MASTER);
    }
}
