package io.migrate.benchmarks.harness;

import io.migrate.dispatch.DispatchConfig;
import io.migrate.dispatch.DispatchReport;
import io.migrate.dispatch.LeaderGate;
import io.migrate.dispatch.TaskDispatcher;
import io.migrate.ha.fixed.FixedLeaderElection;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import io.migrate.task.TaskStore;
import io.migrate.testing.Trees;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Item 7 (issue #19): the task root at scale. A dispatcher tick with the default settings (7 live
 * nodes, backlog threshold 20, inbox cap 20: a tick places at most 140 tasks) at 10k, 100k and 1M
 * pending tasks of 20 files, its wall and CPU time, the heap it allocates and holds; a tick with no
 * room; {@code snapshot()}; and {@code status(id)} of pending, running, archived and unknown ids
 * next to 1M archived tasks.
 *
 * <p>Task files are written straight into the layout-2 buckets (what {@code submit} leaves there,
 * without its fsyncs, which would take an hour at 1M); ids are spread as a submitter running at
 * {@code --scale-rate} tasks/s would make them, and archived ones over the 7 days of the default
 * retention.
 */
final class ScaleBench {
    private static final int NODES = 7;
    private static final int TICKS = 5;

    private final Harness.Options o;
    private final Report report;

    ScaleBench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
    }

    void run() throws Exception {
        List<String> nodes = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            nodes.add("node-" + i);
        }
        report.h2("7. The task root at scale: dispatch tick, snapshot and status");
        report.p(String.format("Default dispatch settings (7 live nodes, threshold 20, inbox cap 20: at most 140 tasks "
                + "per tick), tasks of 20 files, ids as a submitter at %,d tasks/s makes them (ten-second buckets of "
                + "%,d tasks), local %s. A placing tick moves 140 tasks into empty inboxes (they are removed again "
                + "before the next tick, as if the nodes had claimed them); a full tick finds every inbox at its cap. "
                + "Median of %d ticks after one warm-up tick in the epoch (which also builds the duplicate index). "
                + "CPU and allocation are the ticking thread's (ThreadMXBean); heap held is the retained heap after a "
                + "full GC at the tick's first move, above the heap before the tick. `snapshot()` is "
                + "`TaskStatusView.snapshot()` on a new store instance with `counts/` deleted (what every new process "
                + "paid before the counts were persisted), on a new instance with them, and again on that instance "
                + "(OS caches warm in all three). A foreign sweep is `quarantineForeign()`: a new instance's first "
                + "(everything) and its next after one placing tick.", o.scaleRate(),
                o.scaleRate() * 10, fsType(o.work()), TICKS));
        report.row("pending", "placing tick wall / CPU ms", "allocated MB", "heap held MB", "full tick wall / CPU ms",
                "snapshot nothing persisted / new process / warm ms", "first foreign sweep", "next sweep (after a tick)",
                "load avg");
        for (int n : o.scaleTasks()) {
            if (n > 0) {
                tickRow(n, nodes);
            }
        }
        report.endTable();
        statusRows(nodes);
    }

    private void tickRow(int n, List<String> nodes) throws Exception {
        Path root = o.work().resolve("scale-" + n);
        Trees.deleteTree(root);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        nodes.forEach(store::registerNode);
        Instant last = Instant.now().minusSeconds(60);
        long t0 = System.nanoTime();
        writePending(root, n, last);
        Harness.log("scale: %,d pending written in %.0f s", n, (System.nanoTime() - t0) / 1e9);
        Bench.sync();
        String load = Bench.load();

        FixedLeaderElection election = new FixedLeaderElection("leader", "leader");
        election.start();
        DispatchConfig config = DispatchConfig.defaults();
        List<double[]> placing = new ArrayList<>();
        double[] full;
        try (LeaderGate gate = LeaderGate.create(election, root, config);
             TaskDispatcher d = TaskDispatcher.builder().store(store).membership(new ThreadCost.FixedMembership(nodes))
                     .gate(gate).config(config).build()) {
            gate.start();
            timed(d, 140); // warm-up, first tick of the epoch
            drain(root, nodes);
            for (int i = 0; i < TICKS; i++) {
                placing.add(timed(d, 140));
                drain(root, nodes);
            }
            timed(d, 140); // fills every inbox to its cap
            List<double[]> fulls = new ArrayList<>();
            for (int i = 0; i < TICKS; i++) {
                fulls.add(timed(d, 0));
            }
            full = median(fulls);
            drain(root, nodes);
        } finally {
            election.close();
        }
        long held = heapHeld(store, root, nodes);
        drain(root, nodes);
        double[] snap = snapshots(root, TaskState.PENDING);
        String[] sweep = sweeps(root, nodes);
        double[] p = median(placing);
        Harness.log("scale %,d: placing %.1f/%.1f ms, alloc %.1f MB, held %.1f MB, full %.1f/%.1f ms, snapshot %.0f/%.1f/%.1f"
                + " ms (%,.0f pending counted), sweep %s, then %s", n, p[0], p[1], p[2], held / 1e6, full[0], full[1],
                snap[0], snap[1], snap[2], snap[3], sweep[0], sweep[1]);
        report.row(String.format("%,d", n), String.format("%.1f / %.1f", p[0], p[1]), String.format("%.1f", p[2]),
                String.format("%.2f", held / 1e6), String.format("%.1f / %.1f", full[0], full[1]),
                String.format("%.0f / %.1f / %.1f", snap[0], snap[1], snap[2]), sweep[0], sweep[1], load);
        report.result("scale.tickCpuMs." + n, p[1]);
        report.result("scale.heldMB." + n, held / 1e6);
        report.result("scale.snapshotColdMs." + n, snap[1]);
        deleteTree(root);
    }

    /**
     * {@code snapshot()} in a new process with nothing persisted (what every first call cost before
     * the counts were kept in {@code counts/}), in a new process with the persisted counts, and
     * again in that process: {ms, ms, ms, count}. A new store instance stands for a new process
     * (no in-process cache); the OS page cache and dentry cache stay warm (not dropped: the machine
     * is shared), so "cold" is the store's cold, not the disk's.
     */
    private static double[] snapshots(Path root, TaskState state) throws Exception {
        Trees.deleteTree(root.resolve("counts"));
        double[] out = new double[4];
        long[] count = new long[1];
        out[0] = ThreadCost.measure(() -> TaskStatusView.of(DirectoryTaskStore.builder().root(root).build()).snapshot())
                .wallMs();
        TaskStatusView v = TaskStatusView.of(DirectoryTaskStore.builder().root(root).build());
        out[1] = ThreadCost.measure(v::snapshot, x -> count[0] = x.count(state)).wallMs();
        out[2] = ThreadCost.measure(v::snapshot).wallMs();
        out[3] = count[0];
        return out;
    }

    /**
     * The leader's sweep for foreign entries ({@code quarantineForeign}): the first of a store
     * instance (a new leader: every entry) and the next one after one placing tick (waiting out the
     * sweep's pacing, 9 × its last duration): "wall / CPU ms, lstat calls, buckets listed".
     */
    private static String[] sweeps(Path root, List<String> nodes) throws Exception {
        DirectoryTaskStore s = DirectoryTaskStore.builder().root(root).build();
        ThreadCost.Cost first = ThreadCost.measure(s::quarantineForeign);
        DirectoryTaskStore.ForeignSweep f = s.lastForeignSweep().orElseThrow();
        FixedLeaderElection election = new FixedLeaderElection("leader", "leader");
        election.start();
        DispatchConfig config = DispatchConfig.defaults();
        try (LeaderGate gate = LeaderGate.create(election, root, config);
             TaskDispatcher d = TaskDispatcher.builder().store(s).membership(new ThreadCost.FixedMembership(nodes))
                     .gate(gate).config(config).build()) {
            gate.start();
            d.runOnce();
        } finally {
            election.close();
        }
        drain(root, nodes);
        Harness.log("scale: first sweep %s; waiting %d ms (its pacing) for the next", f, f.took().toMillis() * 9);
        Thread.sleep(f.took().toMillis() * 9 + 100);
        ThreadCost.Cost next = ThreadCost.measure(s::quarantineForeign);
        DirectoryTaskStore.ForeignSweep g = s.lastForeignSweep().orElseThrow();
        if (g == f) {
            throw new IllegalStateException("the second sweep was paced out");
        }
        return new String[] {sweepCell(first, f), sweepCell(next, g)};
    }

    private static String sweepCell(ThreadCost.Cost c, DirectoryTaskStore.ForeignSweep s) {
        return String.format("%.0f / %.0f ms, %,d lstat, %,d buckets listed", c.wallMs(), c.cpuMs(), s.entriesChecked(),
                s.bucketsListed());
    }

    /** One tick: {wall ms, CPU ms, allocated MB}. */
    private static double[] timed(TaskDispatcher d, int expect) throws Exception {
        DispatchReport[] r = new DispatchReport[1];
        ThreadCost.Cost c = ThreadCost.measure(d::runOnce, x -> r[0] = x);
        if (r[0].dispatched() != expect) {
            throw new IllegalStateException("tick dispatched " + r[0].dispatched() + ", expected " + expect + ": " + r[0]);
        }
        return c.toArray();
    }

    private static double[] median(List<double[]> runs) {
        double[] m = new double[runs.get(0).length];
        for (int k = 0; k < m.length; k++) {
            List<Double> col = new ArrayList<>();
            for (double[] r : runs) {
                col.add(r[k]);
            }
            m[k] = Bench.median(col);
        }
        return m;
    }

    /** Retained heap at the first move of a placing tick, above the heap before it. */
    private static long heapHeld(DirectoryTaskStore real, Path root, List<String> nodes) throws IOException {
        long[] atMove = {-1};
        TaskStore probe = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
                new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("move") && atMove[0] < 0) {
                        atMove[0] = ThreadCost.usedHeap();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        FixedLeaderElection election = new FixedLeaderElection("leader", "leader");
        election.start();
        DispatchConfig config = DispatchConfig.defaults();
        try (LeaderGate gate = LeaderGate.create(election, root, config);
             TaskDispatcher d = TaskDispatcher.builder().store(probe).membership(new ThreadCost.FixedMembership(nodes))
                     .gate(gate).config(config).build()) {
            gate.start();
            d.runOnce(); // the epoch's first tick
            drain(root, nodes);
            long base = ThreadCost.usedHeap();
            d.runOnce();
            return Math.max(0, atMove[0] - base);
        } finally {
            election.close();
        }
    }

    private void statusRows(List<String> nodes) throws Exception {
        int archived = o.scaleArchived();
        Path root = o.work().resolve("scale-status");
        Trees.deleteTree(root);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        nodes.forEach(store::registerNode);
        long t0 = System.nanoTime();
        Instant now = Instant.now();
        List<String> archivedIds = writeArchived(root, archived, now.minus(Duration.ofDays(7)), now.minusSeconds(60));
        List<String> pendingIds = writePending(root, 1000, now.minusSeconds(30));
        List<String> runningIds = new ArrayList<>();
        for (String node : nodes) {
            for (int i = 0; i < 20; i++) {
                String id = TaskIds.newId(now.minusSeconds(600));
                Files.writeString(root.resolve("nodes").resolve(node).resolve("running").resolve(id + ".json"),
                        taskJson(id));
                runningIds.add(id);
            }
        }
        Harness.log("scale: %,d archived written in %.0f s", archived, (System.nanoTime() - t0) / 1e9);
        Bench.sync();
        String load = Bench.load();
        TaskStatusView view = TaskStatusView.of(store);
        Random rnd = new Random(7);
        report.p(String.format("`status(id)` (`TaskStatusView.status`) with %,d archived tasks spread over 7 days "
                + "(and 1,000 pending, 140 running), 500 random ids of each kind (load average %s):", archived, load));
        report.row("id", "median ms", "p99 ms", "max ms");
        for (String kind : new String[] {"pending", "running", "archived", "unknown"}) {
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String id = switch (kind) {
                    case "pending" -> pendingIds.get(rnd.nextInt(pendingIds.size()));
                    case "running" -> runningIds.get(rnd.nextInt(runningIds.size()));
                    case "archived" -> archivedIds.get(rnd.nextInt(archivedIds.size()));
                    default -> TaskIds.newId(now.minus(Duration.ofMinutes(rnd.nextInt(7 * 24 * 60))));
                };
                long s = System.nanoTime();
                boolean found = view.status(id).isPresent();
                ms.add((System.nanoTime() - s) / 1e6);
                if (found == kind.equals("unknown")) {
                    throw new IllegalStateException(kind + " id " + id + (found ? " found" : " not found"));
                }
            }
            ms.sort(null);
            report.row(kind, String.format("%.2f", Bench.median(ms)), String.format("%.2f", ms.get(ms.size() * 99 / 100)),
                    String.format("%.2f", ms.get(ms.size() - 1)));
            report.result("scale.statusMs." + kind, ms.get(ms.size() * 99 / 100));
            Harness.log("scale status %s: median %.2f ms, p99 %.2f, max %.2f", kind, Bench.median(ms),
                    ms.get(ms.size() * 99 / 100), ms.get(ms.size() - 1));
        }
        report.endTable();
        double[] snap = snapshots(root, TaskState.ARCHIVED);
        String[] sweep = sweeps(root, nodes);
        report.p(String.format("`snapshot()` with those %,d archived (%,.0f counted): %.0f ms in a new process with "
                + "nothing persisted, %.1f ms in a new process with the persisted counts, %.1f ms again in that "
                + "process. Foreign sweep: first %s; next (after a tick) %s.", archived, snap[3], snap[0], snap[1],
                snap[2], sweep[0], sweep[1]));
        Harness.log("scale status: snapshot %.0f/%.1f/%.1f ms, sweep %s, then %s", snap[0], snap[1], snap[2], sweep[0],
                sweep[1]);
        report.result("scale.snapshotColdMs.archived", snap[1]);
        copiesRow(root, store, now.minusSeconds(300));
        deleteTree(root);
    }

    /**
     * {@code copies(id)}, what a worker asks before it executes a task: with the task's ten-second
     * bucket of {@code done/} and {@code archive/} each holding 10,000 tasks (a submitter at 1,000
     * tasks/s, all of that window finished).
     */
    private void copiesRow(Path root, TaskStore store, Instant window) throws Exception {
        Instant from = Instant.ofEpochSecond(window.getEpochSecond() / 10 * 10);
        List<String> ids = new ArrayList<>();
        parallel(10_000, i -> {
            String id = TaskIds.newId(from.plusNanos(1_000_000L * i));
            write(root.resolve("done"), id, id + "~run-d" + i + ".json");
            write(root.resolve("archive"), TaskIds.newId(from.plusNanos(1_000_000L * i + 500_000L)),
                    TaskIds.newId(from.plusNanos(1_000_000L * i + 500_000L)) + "~run-a" + i + ".json");
        });
        for (int i = 0; i < 200; i++) {
            ids.add(TaskIds.newId(from.plusNanos(1_000_000L * (i * 50) + 250_000L)));
        }
        Bench.sync();
        String load = Bench.load();
        List<Double> wall = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (String id : ids) {
            ThreadCost.Cost c = ThreadCost.measure(() -> store.copies(id));
            wall.add(c.wallMs());
            cpu.add(c.cpuMs());
        }
        report.p(String.format("`copies(id)` (a worker, before it executes a task) with 10,000 tasks in each of the "
                + "task's `done/` and `archive/` buckets: median %.2f ms wall, %.2f ms CPU over 200 ids (load %s).",
                Bench.median(wall), Bench.median(cpu), load));
        Harness.log("scale copies: median %.2f ms wall, %.2f ms CPU", Bench.median(wall), Bench.median(cpu));
        report.result("scale.copiesMs", Bench.median(wall));
    }

    /** Writes n pending task files, ids spaced as the submit rate makes them, the last at {@code last}. */
    private List<String> writePending(Path root, int n, Instant last) throws IOException {
        long stepNanos = 1_000_000_000L / o.scaleRate();
        Instant first = last.minusNanos(stepNanos * n);
        String[] ids = new String[n];
        parallel(n, i -> {
            ids[i] = TaskIds.newId(first.plusNanos(stepNanos * i));
            write(root.resolve("pending"), ids[i], ids[i] + ".json");
        });
        return java.util.Arrays.asList(ids).subList(0, Math.min(n, 100_000));
    }

    private List<String> writeArchived(Path root, int n, Instant from, Instant to) throws IOException {
        long step = Duration.between(from, to).toNanos() / n;
        String[] ids = new String[n];
        parallel(n, i -> {
            ids[i] = TaskIds.newId(from.plusNanos(step * i));
            write(root.resolve("archive"), ids[i], ids[i] + "~run-" + i + ".json");
        });
        return java.util.Arrays.asList(ids);
    }

    /** Index-wise work on 4 threads: creating a million small files is bound by syscalls, not bytes. */
    private static void parallel(int n, IoIndexed work) throws IOException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> parts = new ArrayList<>();
            int chunk = (n + 3) / 4;
            for (int t = 0; t < 4; t++) {
                int from = t * chunk;
                int to = Math.min(n, from + chunk);
                parts.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        work.run(i);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One index of {@link #parallel}. */
    private interface IoIndexed {
        void run(int i) throws IOException;
    }

    private static void write(Path state, String id, String name) throws IOException {
        Path bucket = state.resolve(id.substring(0, 11)).resolve(id.substring(0, 14));
        Path f = bucket.resolve(name);
        byte[] bytes = taskJson(id).getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(f, bytes);
        } catch (java.nio.file.NoSuchFileException e) {
            Files.createDirectories(bucket); // several writers may race here: createDirectories tolerates it
            Files.write(f, bytes);
        }
    }

    private static String taskJson(String id) {
        StringBuilder sb = new StringBuilder(2048);
        sb.append("{\"schemaVersion\":1,\"id\":\"").append(id).append("\",\"createdAt\":\"2026-11-25T08:00:00Z\",")
                .append("\"attempt\":1,\"sourceRoot\":\"/data/src\",\"files\":[");
        for (int i = 0; i < 20; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"source\":\"").append(id).append("/f").append(i)
                    .append(".dat\",\"target\":\"").append(id).append("/f").append(i).append(".dat\"}");
        }
        return sb.append("],\"attributes\":{}}\n").toString();
    }

    /** What the nodes would do: take every inbox file away. */
    private static void drain(Path root, List<String> nodes) throws IOException {
        for (String node : nodes) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("nodes").resolve(node).resolve("inbox"))) {
                for (Path p : ds) {
                    Files.delete(p);
                }
            }
        }
    }

    /** {@code rm -rf}: a Java walk takes tens of minutes for a million files on a busy disk. */
    private static void deleteTree(Path root) throws IOException {
        try {
            Process p = new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException("rm -rf " + root + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String fsType(Path p) {
        try {
            Files.createDirectories(p);
            return Files.getFileStore(p).type();
        } catch (IOException e) {
            return "?";
        }
    }
}
