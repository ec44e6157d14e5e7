package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.testing.CephFsFixture;
import io.migrate.testing.HangWatchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #21's end-to-end scenario on a real cluster filesystem: the task root on CephFS mounted
 * twice through {@code ceph-fuse} (two independent clients, as two hosts), a manager and backend 1
 * on mount A, backend 2 on mount B, each a real node process ({@link E2eCluster}: ZooKeeper
 * leadership, S3Proxy targets, Kafka results); backend 1 is stopped with {@code SIGSTOP} while it
 * runs tasks, kept stopped until the leader has taken its tasks back (its lease is past) and
 * backend 2 has claimed every queued task (its tasks among them, through the other mount), then
 * resumed with {@code SIGCONT}: it wakes up as a zombie whose runs were taken over. Once
 * with Ceph's default MDS tick (5 s) and once with 0.05 s.
 *
 * <p>It must reach {@link EndState}'s strict end state (every task archived or failed once, one
 * final result per submitted task, every object the source's bytes, nothing stray or torn). A
 * {@link HangWatchdog} dumps the stacks of the test JVM and of every node process (jcmd) when the
 * scenario runs past its deadline or a wait sees no progress. The report line ({@code CEPHFS-E2E
 * ...}, also appended to {@code target/cephfs-report.txt}) counts tasks, owners per task (the nodes
 * a task was assigned to in turn: its history's reclaims plus the committing node), results per
 * task (committed, and result files written by any run) and the filesystem calls slower than a
 * second in every process (the store's own log lines and {@code slowCalls()}; a call of the paused
 * backend that lasted as long as its stop is the stop itself, reported apart).
 *
 * <p>Maven profile {@code cephfs} only (needs root, FUSE and the Ceph Debian packages):
 * <pre>
 * mvn -B -ntp -pl examples -am verify -Pcephfs -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=CephFsE2eIT -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 */
@E2e
@EnabledIfSystemProperty(named = "migrate.cephfs", matches = "true")
class CephFsE2eIT {
    private static final Duration SCENARIO_DEADLINE = Duration.ofMinutes(25);
    private static final Pattern SLOW = Pattern.compile("filesystem call \\S+ \\S+ took (\\d+) ms");
    private static final Pattern BLOCKED = Pattern.compile("filesystem call \\S+ \\S+ blocked for (\\d+) s");
    /**
     * The backend that shares the leader's mount: its tasks are taken back and re-run by backend 2
     * through the other mount, which then reads what the leader's client has just written (the
     * task files and their reclaim events).
     */
    private static final String PAUSED = "backend-1";
    /** At least the task lease (E2eCluster: reclaim.nodeLease 3 s) plus a second. */
    private static final Duration MIN_PAUSE = Duration.ofSeconds(4);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @ParameterizedTest(name = "mds tick {0} s")
    @ValueSource(strings = {"5", "0.05"})
    void managerAndTwoBackendsOnTwoCephFuseMountsOneStoppedPastItsLease(String mdsTick, SharedServers servers)
            throws Exception {
        Path state = Path.of(System.getProperty("migrate.cephfs.dir", "/tmp/migrate-cephfs-e2e"));
        try (CephFsFixture fs = CephFsFixture.start(mdsTick, state)) {
            run(fs, servers);
        }
    }

    private void run(CephFsFixture fs, SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        String name = "cephfs-" + fs.mdsTick().replace('.', '_');
        Path rootA = Files.createDirectories(fs.mountA().resolve("task-root"));
        Path rootB = fs.mountB().resolve("task-root");
        int tasks = Workload.scaled(60);
        int filesPerTask = 8;
        try (E2eCluster c = E2eCluster.create(name, dir, servers, E2eCluster.Ha.ZOOKEEPER, E2eCluster.Target.S3, 1, 2,
                Map.of(), rootA, node -> node.equals("backend-2") ? rootB : rootA);
                HangWatchdog watchdog = new HangWatchdog(name, SCENARIO_DEADLINE)) {
            watchdog.watchAll(c::pids);
            Workload w = new Workload(c, CephFsE2eIT.class);
            // uploads last a little, so the pause lands mid-task
            UploadTracker.holdUploads(c.proxyA);
            UploadTracker.holdUploads(c.proxyB);
            c.startAll();
            for (int t = 0; t < tasks; t++) {
                List<FileEntry> entries = w.writeFiles("t" + t, filesPerTask, 1024, 64 * 1024);
                w.submit(entries);
            }
            EndState.Report report;
            long pausedMillis;
            try {
                // the paused backend holds tasks: stop it there
                EndState.awaitProgress(c, PAUSED + " running a task", () -> held(c.store, TaskState.RUNNING) > 0,
                        () -> EndState.progress(c));
                assertThat(c.pause(PAUSED)).as("%s stopped", PAUSED).isTrue();
                long pausedAt = System.nanoTime();
                try {
                    // its lease passes while it sleeps: the leader takes back everything it held
                    EndState.awaitProgress(c, "the leader taking back " + PAUSED + "'s tasks",
                            () -> held(c.store, TaskState.RUNNING) + held(c.store, TaskState.INBOX) == 0,
                            () -> EndState.progress(c));
                    // and backend 2 has claimed everything queued, its tasks among them: the
                    // sleeper wakes up as a zombie whose runs were re-run through the other mount
                    EndState.awaitProgress(c, "backend-2 claiming every queued task",
                            () -> c.store.count(TaskState.PENDING, null) == 0 && count(c.store, TaskState.INBOX) == 0,
                            () -> EndState.progress(c));
                    long left = MIN_PAUSE.toNanos() - (System.nanoTime() - pausedAt);
                    if (left > 0) {
                        Thread.sleep(left / 1_000_000); // the fault's length (past the lease), not a wait
                    }
                } finally {
                    c.resume(PAUSED);
                    pausedMillis = (System.nanoTime() - pausedAt) / 1_000_000;
                }
                report = EndState.verify(c, w, t0);
            } catch (AssertionError | RuntimeException e) {
                watchdog.dump("failed or stalled: " + e.getMessage().lines().findFirst().orElse(""));
                throw e;
            }
            assertThat(c.pauses()).isEqualTo(1);
            assertThat(report.failed()).as("no task gave up").isEmpty();
            report(fs, c, w, report, pausedMillis, t0);
        }
    }

    /** @return how many tasks every node's {@code state} directory holds, as mount A sees it */
    private static long count(DirectoryTaskStore store, TaskState state) {
        try (Stream<TaskRef> refs = store.list(state)) {
            return refs.count();
        }
    }

    /** @return how many tasks the paused backend holds in {@code state}, as mount A sees it */
    private static long held(DirectoryTaskStore store, TaskState state) {
        try (Stream<TaskRef> refs = store.list(state, PAUSED)) {
            return refs.count();
        }
    }

    private static void report(CephFsFixture fs, E2eCluster c, Workload w, EndState.Report r, long pausedMillis, long t0)
            throws IOException {
        Map<Integer, Integer> ownersPerTask = new TreeMap<>();
        Map<Integer, Integer> resultFilesPerTask = new TreeMap<>();
        Map<String, Integer> events = new TreeMap<>();
        for (StoredTask t : r.archived()) {
            Set<String> owners = new TreeSet<>();
            for (TaskEvent e : t.history()) {
                if (e.fromNode() != null) {
                    owners.add(e.fromNode());
                }
                events.merge(e.type().name(), 1, Integer::sum);
            }
            TaskResult result = t.result().orElseThrow();
            owners.add(result.node());
            ownersPerTask.merge(owners.size(), 1, Integer::sum);
            resultFilesPerTask.merge(resultFiles(c.root, t.ref().taskId()), 1, Integer::sum);
        }
        StringBuilder stalls = new StringBuilder();
        long slowTotal = 0;
        long longestTotal = 0;
        long blockedTotal = 0;
        int spanningPause = 0;
        try (Stream<Path> logs = Files.list(c.logs)) {
            for (Path log : logs.sorted().toList()) {
                long count = 0;
                long longest = 0;
                long blocked = 0;
                boolean paused = log.getFileName().toString().startsWith(PAUSED + "-");
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    Matcher m = SLOW.matcher(line);
                    if (m.find()) {
                        long millis = Long.parseLong(m.group(1));
                        if (paused && millis >= pausedMillis - 100) { // 100 ms: the signals' own latency
                            spanningPause++; // the process was stopped inside the call: the fault, not a stall
                            continue;
                        }
                        count++;
                        longest = Math.max(longest, millis);
                    }
                    Matcher b = BLOCKED.matcher(line);
                    if (b.find()) {
                        if (paused && Long.parseLong(b.group(1)) * 1000 >= pausedMillis - 1000) {
                            continue; // reported on waking up: the stop again (the watchdog thread slept too)
                        }
                        blocked++;
                    }
                }
                slowTotal += count;
                longestTotal = Math.max(longestTotal, longest);
                blockedTotal += blocked;
                stalls.append(String.format(" %s %d%s", log.getFileName().toString().replace(".out", ""), count,
                        count == 0 ? "" : " (longest " + longest + " ms)"));
            }
        }
        DirectoryTaskStore.SlowCalls own = c.store.slowCalls();
        slowTotal += own.count();
        longestTotal = Math.max(longestTotal, own.longest().toMillis());
        String line = String.format("CEPHFS-E2E mds tick %s s: tasks=%d files=%d archived=%d failed=%d finalResults=%d;"
                        + " %s stopped %d ms (SIGSTOP past its 3 s lease, SIGCONT once backend-2 had claimed every queued task),"
                        + " history events %s; owners per task %s; committed results per task 1 (checked), result files per task %s;"
                        + " filesystem calls > 1 s: %d, longest %d ms, blocked past the 10 s deadline %d times"
                        + " [test JVM %d (longest %d ms);%s; not counted: %d call(s) of %s spanning its SIGSTOP];"
                        + " time %.1f s; seed %d",
                fs.mdsTick(), w.taskIds().size(), w.fileEntries(), r.archived().size(), r.failed().size(),
                r.archived().size() + r.failed().size(), PAUSED, pausedMillis, events, histogram(ownersPerTask),
                histogram(resultFilesPerTask), slowTotal, longestTotal, blockedTotal, own.count(),
                own.longest().toMillis(), stalls, spanningPause, PAUSED, (System.nanoTime() - t0) / 1e9, w.seed);
        System.out.println(line);
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("cephfs-report.txt"), line + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** @return the result files any run wrote for the task ({@code records/<hour>/<id>/result~*}) */
    private static int resultFiles(Path root, String id) {
        try (Stream<Path> files = Files.list(root.resolve("records").resolve(id.substring(0, 11)).resolve(id))) {
            return (int) files.filter(f -> f.getFileName().toString().startsWith("result~")).count();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code {n: tasks}} as {@code n×tasks} pairs, e.g. {@code 1:28 2:2} */
    private static String histogram(Map<Integer, Integer> h) {
        StringBuilder sb = new StringBuilder();
        h.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append(':').append(v));
        return "{" + sb + "}";
    }
}
