package io.migrate.benchmarks.harness;

import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.testing.ChildJvm;
import io.migrate.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.curator.test.TestingCluster;

/**
 * Item 6: (a) a backend killed with SIGKILL while it runs tasks: seconds until one of its running
 * tasks runs on the other backend, with the default node lease and with short settings; (b) a
 * ZooKeeper election (three child JVMs on a three-server Curator {@link TestingCluster}): seconds
 * from SIGKILL of the leader until another child reports LEADER.
 */
final class FailoverBench {
    private static final long POLL_MS = 50;

    private final Harness.Options o;
    private final Report report;

    FailoverBench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
    }

    void run() throws Exception {
        Path work = o.work().resolve("failover");
        Trees.deleteTree(work);
        Path src = work.resolve("src");
        for (int i = 0; i < 300; i++) {
            Bench.writeRandom(src.resolve(String.format("f%03d.bin", i)), Bench.MIB, i);
        }
        report.h2("6. Failover");
        report.row("scenario", "settings", "seconds", "load avg at start");
        List<String> short1 = List.of("ha.heartbeat.interval=500ms", "ha.heartbeat.nodeLease=3s",
                "reclaim.nodeLease=3s", "dispatch.tick=500ms", "worker.pollInterval=200ms",
                "worker.heartbeatInterval=500ms", "worker.leaseRenewInterval=1s");
        if (o.failoverDefaultLease()) {
            backend(work.resolve("default"), src, List.of(), "defaults (heartbeat 5 s, node lease 30 s, dispatch "
                    + "tick 5 s, reclaim tick 80 s, worker poll 1 s)");
        }
        backend(work.resolve("short"), src, short1, "short: " + String.join(", ", short1));
        zookeeper(work.resolve("zk"), 15_000, "default session timeout 15 s");
        zookeeper(work.resolve("zk"), 3_000, "session timeout 3 s");
        report.endTable();
        report.p("Backend: a manager (in this JVM, static leader, heartbeat-file membership) and two backend child "
                + "JVMs on one task root; 6 tasks of 300 × 1 MiB files (fsync on) are submitted, and the first "
                + "backend that has a task in `running/` is SIGKILLed at once. Seconds = from the kill until that "
                + "task is in the other backend's `running/` (or already done by it). Both settings use `reclaim.grace=1s`: the manager has been leading for longer than a new leader's grace, as in steady state (the reclaimer acts on the membership change at once). ZooKeeper: three child JVMs "
                + "in one `ZooKeeperLeaderElection` on a 3-server `TestingCluster`; seconds = from SIGKILL of the "
                + "leader's JVM until another child reports LEADER (ZooKeeper notices only when the session "
                + "expires, so this follows the session timeout).");
        Trees.deleteTree(work);
    }

    private void backend(Path dir, Path src, List<String> extra, String label) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path dst = Files.createDirectories(dir.resolve("dst"));
        List<String> common = new ArrayList<>(List.of("task.root=" + root, "ha.type=static", "ha.static.leader=mgr",
                "ha.nodes=a,b", "transport.type=posix", "transport.posix.root=" + dst,
                "mover.allowedSourceRoots=" + src,
                // the manager has led for long: a new leader's grace (node lease + reclaim tick) is over
                "reclaim.grace=1s"));
        common.addAll(extra);
        List<ChildJvm> children = new ArrayList<>();
        String load = Bench.load();
        try (MigrationNode manager = NodeConfiguration.load(props(dir, "mgr", "manager", common)).build()) {
            manager.start();
            for (String id : List.of("a", "b")) {
                children.add(ChildJvm.start("backend-" + id, dir, FailoverChild.class,
                        List.of("-Xmx256m"), "backend", props(dir, id, "backend", common).toString()));
            }
            for (ChildJvm c : children) {
                await(() -> output(c).contains("STARTED"), 120, c + " did not start");
            }
            for (int t = 0; t < 6; t++) {
                MigrationTask.Builder b = MigrationTask.builder().sourceRoot(src.toString());
                for (int i = 0; i < 300; i++) {
                    b.addFile(String.format("f%03d.bin", i), String.format("t%d/f%03d.bin", t, i));
                }
                manager.submitter().submit(b.build());
            }
            TaskRef[] victim = new TaskRef[1];
            await(() -> {
                for (String n : List.of("a", "b")) {
                    try (Stream<TaskRef> s = manager.store().list(TaskState.RUNNING, n)) {
                        Optional<TaskRef> r = s.findFirst();
                        if (r.isPresent()) {
                            victim[0] = r.get();
                            return true;
                        }
                    }
                }
                return false;
            }, 180, "no backend started a task");
            ChildJvm dead = children.get(victim[0].node().equals("a") ? 0 : 1);
            String other = victim[0].node().equals("a") ? "b" : "a";
            long t0 = System.nanoTime();
            dead.kill();
            String id = victim[0].taskId();
            await(() -> {
                Optional<TaskRef> now = manager.store().find(id);
                if (now.isEmpty()) {
                    return false;
                }
                TaskRef r = now.get();
                if (r.state() == TaskState.RUNNING && other.equals(r.node())) {
                    return true;
                }
                // the killed backend cannot finish it: done means done by the other one
                return r.state() == TaskState.DONE || r.state() == TaskState.ARCHIVED;
            }, 300, "task " + id + " of killed backend " + victim[0].node() + " never ran on " + other);
            double secs = (System.nanoTime() - t0) / 1e9;
            Harness.log("failover backend (%s): %.1f s", label, secs);
            report.row("backend SIGKILLed → its running task running on the other backend", label,
                    String.format("%.1f", secs), load);
        } finally {
            for (ChildJvm c : children) {
                c.close();
            }
        }
    }

    private void zookeeper(Path dir, long sessionMs, String label) throws Exception {
        Trees.deleteTree(dir);
        Files.createDirectories(dir);
        List<ChildJvm> children = new ArrayList<>();
        String load = Bench.load();
        try (TestingCluster cluster = new TestingCluster(3)) {
            cluster.start();
            for (int i = 0; i < 3; i++) {
                children.add(ChildJvm.start("zk-" + i, dir, FailoverChild.class, List.of("-Xmx128m"), "zk",
                        cluster.getConnectString(), "zk-" + i, Long.toString(sessionMs)));
            }
            int[] leader = {-1};
            await(() -> (leader[0] = leaderAmong(children, -1)) >= 0, 120, "no ZooKeeper leader");
            long t0 = System.nanoTime();
            children.get(leader[0]).kill();
            await(() -> leaderAmong(children, leader[0]) >= 0, 120, "no new ZooKeeper leader");
            double secs = (System.nanoTime() - t0) / 1e9;
            Harness.log("failover zookeeper (%s): %.1f s", label, secs);
            report.row("ZooKeeper election: leader JVM SIGKILLed → another is LEADER", label,
                    String.format("%.1f", secs), load);
        } finally {
            for (ChildJvm c : children) {
                c.close();
            }
        }
    }

    /** @return the index of a child whose last reported state is LEADER, other than {@code except}; -1 if none */
    private static int leaderAmong(List<ChildJvm> children, int except) {
        for (int i = 0; i < children.size(); i++) {
            if (i != except && lastState(children.get(i)).equals("LEADER")) {
                return i;
            }
        }
        return -1;
    }

    private static String lastState(ChildJvm c) {
        String last = "";
        for (String line : output(c).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 3 && f[0].equals("STATE")) {
                last = f[2];
            }
        }
        return last;
    }

    private static String output(ChildJvm c) {
        try {
            return c.output();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static Path props(Path dir, String id, String roles, List<String> common) throws java.io.IOException {
        List<String> lines = new ArrayList<>(List.of("node.id=" + id, "node.roles=" + roles));
        lines.addAll(common);
        Path f = dir.resolve(id + ".properties");
        Files.write(f, lines);
        return f;
    }

    /** Polls a condition every 50 ms (a benchmark measures the moment; there is no event to wait on). */
    private static void await(BooleanSupplier condition, long timeoutSeconds, String failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(failure);
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
    }
}
