package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.testing.CephFsFixture;
import io.migrate.testing.ChildJvm;
import io.migrate.testing.HangWatchdog;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #21's acceptance run: the store's races on a real cluster filesystem, CephFS mounted twice
 * through {@code ceph-fuse} (two independent clients, as two hosts), with Ceph's default MDS tick
 * (5 s) and the lowered one (0.05 s). Not part of the per-commit CI: it needs root, FUSE and the
 * Ceph Debian packages (installed by the fixture if missing) and about 15 s per start. Run it with
 * <pre>
 * mvn -B -ntp -pl migrate-core -am verify -Pcephfs -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=CephFsIT -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 * Each scenario runs under a {@link HangWatchdog}; the report lines ({@code CEPHFS ...}) are printed
 * and appended to {@code target/cephfs-report.txt}: tasks, owners per task, results per task, and
 * the filesystem calls slower than a second (count, longest) in each JVM.
 */
@EnabledIfSystemProperty(named = "migrate.cephfs", matches = "true")
class CephFsIT {
    private static final Duration SCENARIO_DEADLINE = Duration.ofMinutes(12);

    @ParameterizedTest(name = "mds tick {0} s")
    @ValueSource(strings = {"5", "0.05"})
    void theStoresRacesHoldOnTwoCephFuseMounts(String mdsTick) throws Exception {
        try (CephFsFixture fs = CephFsFixture.start(mdsTick)) {
            ownershipRace(fs);
            workerAgainstReclaimer(fs, new Random(seed()));
            staleSizeWriteAcrossClients(fs);
        }
    }

    private static long seed() {
        long seed = Long.getLong("cephfs.seed", System.nanoTime());
        System.out.println("CephFsIT seed " + seed + " (replay with -Dcephfs.seed=" + seed + ")");
        return seed;
    }

    /** TaskOwnershipRaceTest: 8 threads through mount A and a JVM through mount B claim 200 tasks. */
    private static void ownershipRace(CephFsFixture fs) throws Exception {
        Path a = Files.createDirectories(fs.mountA().resolve("race"));
        Path b = fs.mountB().resolve("race");
        long t0 = System.nanoTime();
        try (HangWatchdog w = new HangWatchdog("ownership race", SCENARIO_DEADLINE)) {
            String child = TaskOwnershipRaceTest.raceAndCheck(a, b, w::watch);
            report(fs, String.format("ownership race: 200 tasks, 8 threads on A + 1 JVM on B, each task exactly 1 owner"
                    + " (checked), %.1f s; child JVM slow calls %s", (System.nanoTime() - t0) / 1e9, slowLine(child)));
        }
    }

    /**
     * The leader through mount A dispatches to node w and, for the first 10 s, takes running and
     * inbox tasks back at random while w's worker JVM through mount B claims and completes them.
     * Every task must end in done/ exactly once with the result of the run its name commits, and
     * that run must be the one complete() that won.
     */
    private static void workerAgainstReclaimer(CephFsFixture fs, Random rnd) throws Exception {
        Path a = Files.createDirectories(fs.mountA().resolve("worker-race"));
        Path b = fs.mountB().resolve("worker-race");
        DirectoryTaskStore leader = DirectoryTaskStore.builder().root(a).build();
        leader.registerNode("w");
        // With the default tick every lookup of a file the other client just renamed waits up to 5 s.
        int tasks = fs.mdsTick().equals("5") ? 40 : 300;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ids.add(leader.submit(TestTasks.task(2)).taskId());
        }
        Path logs = Files.createDirectories(Path.of("target", "cephfs-logs"));
        long t0 = System.nanoTime();
        int reclaims = 0;
        try (HangWatchdog w = new HangWatchdog("worker against reclaimer", SCENARIO_DEADLINE);
                ChildJvm child = ChildJvm.start("worker-race-" + fs.mdsTick(), logs, WorkerRaceChild.class,
                        List.of("-Xmx128m"), b.toString(), "w", b.resolve("stop").toString())) {
            w.watch(child.pid());
            await().atMost(Duration.ofMinutes(2)).until(() -> child.output().contains("READY"));
            long reclaimUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long giveUp = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (leader.count(TaskState.DONE, null) < tasks) {
                assertThat(System.nanoTime()).as("all tasks done within 10 minutes").isLessThan(giveUp);
                assertThat(child.isAlive()).as("worker JVM alive").isTrue();
                for (TaskRef ref : list(leader, TaskState.PENDING, null)) {
                    leader.move(ref, TaskState.INBOX, "w");
                }
                if (System.nanoTime() < reclaimUntil) {
                    for (TaskState s : new TaskState[] {TaskState.RUNNING, TaskState.INBOX}) {
                        for (TaskRef ref : list(leader, s, "w")) {
                            if (rnd.nextInt(3) == 0 && leader.move(ref, TaskState.PENDING, null, new TaskEvent(
                                    Instant.now(), 1, TaskEvent.Type.RECLAIMED_STALLED, "w", null, "test")) == MoveOutcome.MOVED) {
                                reclaims++;
                            }
                        }
                    }
                }
            }
            Files.createFile(a.resolve("stop"));
            assertThat(child.awaitExit(Duration.ofMinutes(5))).isZero();
            String out = child.output();
            Map<String, List<String>> committed = new HashMap<>();
            int lost = 0;
            for (String line : out.lines().toList()) {
                String[] p = line.split(" ");
                if (p[0].equals("COMMITTED")) {
                    committed.computeIfAbsent(p[1], k -> new ArrayList<>()).add(p[2]);
                } else if (p[0].equals("LOST")) {
                    lost++;
                }
            }
            DirectoryTaskStore viewB = DirectoryTaskStore.builder().root(b).build();
            int maxResultFiles = 0;
            for (String id : ids) {
                assertThat(committed.get(id)).as("complete() won exactly once for %s", id).hasSize(1);
                for (DirectoryTaskStore st : List.of(leader, viewB)) {
                    TaskRef ref = st.find(id).orElseThrow();
                    assertThat(ref.state()).isEqualTo(TaskState.DONE);
                    TaskResult r = st.read(ref).orElseThrow().result().orElseThrow();
                    assertThat(r.runId()).as("committed run of %s", id).isEqualTo(committed.get(id).get(0));
                }
                try (Stream<Path> files = Files.list(a.resolve("records").resolve(id.substring(0, 11)).resolve(id))) {
                    maxResultFiles = Math.max(maxResultFiles,
                            (int) files.filter(f -> f.getFileName().toString().startsWith("result~")).count());
                }
            }
            for (TaskState s : new TaskState[] {TaskState.PENDING, TaskState.INBOX, TaskState.RUNNING, TaskState.FAILED}) {
                assertThat(leader.count(s, null)).as("nothing left in %s", s).isZero();
            }
            assertThat(leader.count(TaskState.DONE, null)).isEqualTo(tasks);
            report(fs, String.format("worker vs reclaimer: %d tasks, %d taken back, %d completes lost (zombies); each task "
                    + "1 owner and 1 committed result (checked through both mounts), result files per task ≤ %d; %.1f s; "
                    + "slow calls: leader %s, worker JVM %s", tasks, reclaims, lost, maxResultFiles,
                    (System.nanoTime() - t0) / 1e9, slow(leader), slowLine(out)));
        }
    }

    /** CrossClientAppendTest across the two clients: the zombie's stale-size write goes through mount A. */
    private static void staleSizeWriteAcrossClients(CephFsFixture fs) throws Exception {
        Path a = Files.createDirectories(fs.mountA().resolve("stale"));
        Path b = fs.mountB().resolve("stale");
        try (HangWatchdog w = new HangWatchdog("stale-size write", SCENARIO_DEADLINE)) {
            DirectoryTaskStore storeA = DirectoryTaskStore.builder().root(a).build();
            DirectoryTaskStore storeB = DirectoryTaskStore.builder().root(b).build();
            storeA.registerNode("a");
            storeA.registerNode("b");
            int tasks = 5;
            int intact = 0;
            for (int i = 0; i < tasks; i++) {
                MigrationTask task = TestTasks.task(2);
                TaskRef pending = storeA.submit(task);
                storeA.move(pending, TaskState.INBOX, "a");
                TaskRef inbox = new TaskRef(task.id(), TaskState.INBOX, "a", pending.fileName());
                storeA.move(inbox, TaskState.RUNNING, "a");
                TaskRef onA = new TaskRef(task.id(), TaskState.RUNNING, "a", pending.fileName());
                try (FileChannel zombie = FileChannel.open(storeA.pathOf(onA), StandardOpenOption.WRITE)) {
                    long staleSize = zombie.size();
                    TaskRef seenByB = storeB.find(task.id()).orElseThrow();
                    storeB.move(seenByB, TaskState.PENDING, null, new TaskEvent(Instant.now(), 2,
                            TaskEvent.Type.RECLAIMED_STALLED, "a", null, "lease"));
                    TaskRef p = storeB.find(task.id()).orElseThrow();
                    storeB.move(p, TaskState.INBOX, "b");
                    storeB.move(new TaskRef(task.id(), TaskState.INBOX, "b", p.fileName()), TaskState.RUNNING, "b");
                    assertThat(storeB.complete(new TaskRef(task.id(), TaskState.RUNNING, "b", p.fileName()),
                            TestTasks.result(task, "run-b", "b"))).isEqualTo(MoveOutcome.MOVED);
                    ByteBuffer rec = ByteBuffer.wrap(("\n{\"record\":\"result\",\"runId\":\"run-a\"}\n")
                            .getBytes(StandardCharsets.UTF_8));
                    while (rec.hasRemaining()) {
                        zombie.write(rec, staleSize + rec.position());
                    }
                }
                StoredTask done = storeA.read(storeA.find(task.id()).orElseThrow()).orElseThrow();
                assertThat(done.result()).hasValueSatisfying(r -> assertThat(r.runId()).isEqualTo("run-b"));
                assertThat(done.count(TaskEvent.Type.RECLAIMED_STALLED)).isEqualTo(1);
                intact++;
            }
            report(fs, String.format("stale-size write across clients: %d tasks, committed result and history intact in"
                    + " %d; slow calls A %s, B %s", tasks, intact, slow(storeA), slow(storeB)));
        }
    }

    private static List<TaskRef> list(TaskStore store, TaskState state, String node) {
        try (Stream<TaskRef> s = node == null ? store.list(state) : store.list(state, node)) {
            return s.toList();
        }
    }

    private static String slow(DirectoryTaskStore s) {
        return s.slowCalls().count() + " > 1 s (longest " + s.slowCalls().longest().toMillis() + " ms)";
    }

    private static String slowLine(String childOutput) {
        return childOutput.lines().filter(l -> l.startsWith("SLOW ")).findFirst()
                .map(l -> l.split(" ")).map(p -> p[1] + " > 1 s (longest " + p[2] + " ms)").orElse("?");
    }

    private static void report(CephFsFixture fs, String line) throws Exception {
        String text = "CEPHFS mds tick " + fs.mdsTick() + " s: " + line;
        System.out.println(text);
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("cephfs-report.txt"), text + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
