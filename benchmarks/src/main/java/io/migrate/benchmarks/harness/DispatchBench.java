package io.migrate.benchmarks.harness;

import io.migrate.dispatch.DispatchConfig;
import io.migrate.dispatch.DispatchReport;
import io.migrate.dispatch.LeaderGate;
import io.migrate.dispatch.TaskDispatcher;
import io.migrate.ha.fixed.FixedLeaderElection;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import io.migrate.testing.Trees;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Item 4: the leader's dispatcher moving N pending tasks to 7 nodes in one tick, versus a raw
 * loop that lists {@code pending/} and renames the same files into the same inboxes on the same
 * filesystem, both with and without the directory fsyncs the task store does after each rename;
 * plus the heap the dispatcher holds per pending task during a tick.
 */
final class DispatchBench {
    private static final int NODES = 7;

    private final Harness.Options o;
    private final Report report;

    DispatchBench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
    }

    void run() throws Exception {
        int n = o.dispatchTasks();
        Path root = o.work().resolve("dispatch");
        Trees.deleteTree(root);
        List<String> nodes = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            nodes.add("node-" + i);
        }
        DirectoryTaskStore setup = DirectoryTaskStore.builder().root(root).syncDirectories(false).build();
        nodes.forEach(setup::registerNode);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            setup.submit(MigrationTask.builder().sourceRoot("/data/src")
                    .addFile(String.format("dir/f%06d", i), String.format("dir/f%06d", i)).build());
        }
        Harness.log("dispatch: %d tasks submitted in %.1f s", n, (System.nanoTime() - t0) / 1e9);
        Path pending = root.resolve("pending");

        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpuPerTask = new LinkedHashMap<>();
        Map<String, List<String>> loads = new LinkedHashMap<>();
        String[] names = {"TaskDispatcher, directory fsync (default store)", "raw rename loop + the same 2 directory fsyncs",
            "TaskDispatcher, syncDirectories=false", "raw rename loop (no fsync)"};
        for (String s : names) {
            rates.put(s, new ArrayList<>());
            cpuPerTask.put(s, new ArrayList<>());
            loads.put(s, new ArrayList<>());
        }
        for (int round = 0; round < o.runs(); round++) {
            for (int i = 0; i < names.length; i++) {
                String who = names[(i + round) % names.length];
                boolean sync = !who.contains("no fsync") && !who.contains("=false");
                Bench.sync();
                String load = Bench.load();
                int[] moved = new int[1];
                // The ticking thread's CPU as well as the wall time: on a shared machine the wall
                // time of one run varies several-fold, its CPU time far less.
                ThreadCost.Cost cost = ThreadCost.measure(
                        () -> who.startsWith("raw") ? rawLoop(root, nodes, sync) : dispatch(root, nodes, sync, n),
                        m -> moved[0] = m);
                double secs = cost.wallMs() / 1e3;
                if (moved[0] != n) {
                    throw new IllegalStateException(who + " moved " + moved[0] + " of " + n);
                }
                rates.get(who).add(n / secs);
                cpuPerTask.get(who).add(cost.cpuMs() * 1e3 / n);
                loads.get(who).add(load);
                Harness.log("dispatch round %d %-50s %6.2f s %8.0f tasks/s %5.1f µs CPU/task (load %s)", round + 1, who,
                        secs, n / secs, cost.cpuMs() * 1e3 / n, load);
                backToPending(root, nodes, pending);
            }
        }
        long[] heap = heapPerTask(root, nodes, n);

        report.h2(String.format("4. Dispatcher: %,d pending tasks → %d nodes", n, NODES));
        report.p("One dispatcher tick with room for every task (backlog threshold and inbox cap raised to N, so the "
                + "tick measures the per-task cost and not the nodes' drain rate) against a loop that lists "
                + "`pending/` (its hour and bucket directories, layout 2), sorts and renames the same files into the same `nodes/<n>/inbox/` directories, round "
                + "robin in groups of 5. The task store fsyncs source and target directory after every rename; "
                + "the raw loop is run both ways. Tasks are moved back to `pending/` between runs. CPU is the "
                + "ticking thread's (user + system), the column to compare across runs on a shared machine. Median of "
                + o.runs() + " runs.");
        report.row("contender", "median tasks/s", "ratio to its raw loop", "median CPU µs/task", "runs tasks/s",
                "load avg at start");
        for (int i = 0; i < names.length; i++) {
            double m = Bench.median(rates.get(names[i]));
            String raw = i < 2 ? names[1] : names[3];
            report.row(names[i], String.format("%.0f", m),
                    String.format("%.2fx", m / Bench.median(rates.get(raw))),
                    String.format("%.1f", Bench.median(cpuPerTask.get(names[i]))), Bench.list(rates.get(names[i])),
                    String.join(", ", loads.get(names[i])));
        }
        report.endTable();
        report.result("dispatch.rate", Bench.median(rates.get(names[0])));
        report.result("dispatch.rename", Bench.median(rates.get(names[1])));
        report.p(String.format("Heap held by the dispatcher per pending task during a tick (retained heap after a full "
                + "GC, measured inside the tick through a task-store proxy): **%d B/task while it reads `pending/`** "
                + "(the sorted name list), **%d B/task while it moves** when every task fits (the list of task "
                + "references it is placing), **%d B/task** with the default settings (7 nodes × backlog 20: it "
                + "keeps at most 140 references and counts the rest). Between ticks it holds nothing per task.",
                heap[0], heap[1], heap[2]));
        report.result("dispatch.bytesPerTask", (double) Math.max(heap[0], heap[1]));
        Trees.deleteTree(root);
    }

    private int dispatch(Path root, List<String> nodes, boolean sync, int room) throws Exception {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).syncDirectories(sync).build();
        return dispatchWith(store, root, nodes, config(room)).dispatched();
    }

    private static DispatchConfig config(int room) {
        return DispatchConfig.builder().backlogThreshold(room).inboxCap(room).build();
    }

    private static DispatchReport dispatchWith(TaskStore store, Path root, List<String> nodes, DispatchConfig config) {
        FixedLeaderElection election = new FixedLeaderElection("leader", "leader");
        election.start();
        try (LeaderGate gate = LeaderGate.create(election, root, config);
             TaskDispatcher d = TaskDispatcher.builder().store(store).membership(new ThreadCost.FixedMembership(nodes))
                     .gate(gate).config(config).build()) {
            gate.start();
            return d.runOnce();
        } finally {
            election.close();
        }
    }

    /**
     * Lists pending/ like the store does (layout 2: hours, then buckets, then names, each sorted)
     * and renames each into an inbox.
     */
    private static int rawLoop(Path root, List<String> nodes, boolean sync) throws IOException {
        Path pending = root.resolve("pending");
        int moved = 0;
        for (String hour : sortedNames(pending)) {
            for (String bucket : sortedNames(pending.resolve(hour))) {
                Path dir = pending.resolve(hour).resolve(bucket);
                for (String name : sortedNames(dir)) {
                    Path inbox = root.resolve("nodes").resolve(nodes.get((moved / 5) % nodes.size())).resolve("inbox");
                    Files.move(dir.resolve(name), inbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                    if (sync) {
                        fsync(inbox);
                        fsync(dir);
                    }
                    moved++;
                }
            }
        }
        return moved;
    }

    private static List<String> sortedNames(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    private static void fsync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void backToPending(Path root, List<String> nodes, Path pending) throws IOException {
        for (String node : nodes) {
            Path inbox = root.resolve("nodes").resolve(node).resolve("inbox");
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(inbox)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    Path bucket = pending.resolve(name.substring(0, 11)).resolve(name.substring(0, 14));
                    Files.createDirectories(bucket);
                    Files.move(p, bucket.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
    }

    /**
     * Heap per pending task held by a tick: [while listing, while moving with room for all, while
     * moving with default settings], measured inside the tick through a store proxy.
     */
    private static long[] heapPerTask(Path root, List<String> nodes, int n) throws Exception {
        long[] out = new long[3];
        for (int k = 0; k < 2; k++) {
            DirectoryTaskStore real = DirectoryTaskStore.builder().root(root).syncDirectories(false).build();
            long[] measured = {-1, -1};
            TaskStore probe = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
                    new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                        if (method.getName().equals("move") && measured[1] < 0) {
                            measured[1] = ThreadCost.usedHeap();
                        }
                        Object r;
                        try {
                            r = method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (method.getName().equals("list") && args.length == 1 && args[0] == TaskState.PENDING) {
                            @SuppressWarnings("unchecked")
                            Stream<TaskRef> s = (Stream<TaskRef>) r;
                            boolean[] first = {true};
                            return s.peek(ref -> {
                                if (first[0]) {
                                    first[0] = false;
                                    measured[0] = ThreadCost.usedHeap();
                                }
                            });
                        }
                        return r;
                    });
            long base = ThreadCost.usedHeap();
            DispatchReport rep = dispatchWith(probe, root, nodes, k == 0 ? config(n) : DispatchConfig.defaults());
            Harness.log("heap probe %s: base %d, listing %d, moving %d, dispatched %d", k == 0 ? "room for all"
                    : "defaults", base, measured[0], measured[1], rep.dispatched());
            if (k == 0) {
                out[0] = (measured[0] - base) / n;
                out[1] = (measured[1] - base) / n;
            } else {
                out[2] = Math.max(0, (measured[1] - base) / n);
            }
            backToPending(root, nodes, root.resolve("pending"));
        }
        return out;
    }
}
