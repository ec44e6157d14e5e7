package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipListener;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.testing.Trees;
import io.migrate.worker.ExecutionContext;
import io.migrate.worker.TaskExecutor;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A randomized simulation of the whole dispatch/reclaim/worker protocol on the real
 * {@link DirectoryTaskStore}, driven on one thread with a fake clock so that a seed replays the
 * same run: 7 nodes, tasks submitted continuously, nodes crash, restart, stall and slow down at
 * random, executions hang, two leaders (one with a drifted configuration that overloads nodes)
 * are active at once for periods and leadership goes UNKNOWN. Other actors are run just before
 * transitions ({@link InterleavingStore}) so listings go stale and renames lose races.
 *
 * <p>After every step it checks: every task is in exactly one place on disk, none is lost; a
 * task executing on a node whose running/ does not hold it was taken from that node by a leader
 * (dead node or stalled task: the presumed-dead zombie) and such a zombie never publishes a
 * result; a task reaches done/ at most once. At the end, with one leader and every node up, every
 * task reaches done/ or failed/.
 *
 * <p>Seed: {@code -Dsim.seed=N} (printed at the start and in every failure), steps:
 * {@code -Dsim.steps=N} (default 3000).
 */
class DispatchSimulationTest {
    private static final int NODES = 7;
    private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

    @TempDir
    Path tempDir;

    @Test
    void everyTaskEndsInExactlyOnePlaceWhateverCrashesStallsAndLeadersDo() throws Exception {
        long seed = Long.getLong("sim.seed", System.nanoTime());
        int steps = Integer.getInteger("sim.steps", 3000);
        System.out.println("DispatchSimulationTest: -Dsim.seed=" + seed + " -Dsim.steps=" + steps);
        // tmpfs when there is one: the store fsyncs every task file, which a simulation of
        // thousands of steps need not wait for; the store and its renames are the same.
        Path shm = Path.of("/dev/shm");
        Path root = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "dispatch-sim-") : tempDir;
        Logger migrateLog =
                (Logger) LoggerFactory.getLogger("io.migrate");
        Level level = migrateLog.getLevel();
        migrateLog.setLevel(Level.WARN); // tens of thousands of INFO moves otherwise
        Sim sim = new Sim(seed, root);
        try {
            sim.run(steps);
            System.out.println("DispatchSimulationTest seed " + seed + ": " + sim.stats());
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation failed at step " + sim.step + " (replay with -Dsim.seed=" + seed
                    + " -Dsim.steps=" + steps + "): " + e.getMessage(), e);
        } finally {
            migrateLog.setLevel(level);
            if (!root.equals(tempDir)) {
                Trees.deleteTree(root);
            }
        }
        assertThat(sim.submitted).as("seed %d", seed).hasSizeGreaterThan(steps / 4);
        assertThat(sim.zombieRuns).as("zombie executions exercised (seed %d)", seed).isPositive();
        assertThat(sim.store.lostRaces).as("lost races exercised (seed %d)", seed).isPositive();
    }

    private enum NodeState { UP, STALLED, CRASHED }

    /** One backend node: its worker incarnation and its queue of executions not yet run. */
    private static final class SimNode {
        final String id;
        NodeState state = NodeState.UP;
        int until;
        /** Until this step the node polls and finishes executions rarely (starved): backlog builds up, liveness flaps. */
        int slowUntil;
        Worker worker;
        final List<Queued> queue = new ArrayList<>();
        long lastHeartbeatNanos;

        SimNode(String id) {
            this.id = id;
        }
    }

    private record Queued(Runnable run, int notBefore) {
    }

    private static final class Leader {
        final TestElection election;
        final LeaderGate gate;
        final TaskDispatcher dispatcher;
        final TaskReclaimer reclaimer;

        Leader(TestElection election, LeaderGate gate, TaskDispatcher dispatcher, TaskReclaimer reclaimer) {
            this.election = election;
            this.gate = gate;
            this.dispatcher = dispatcher;
            this.reclaimer = reclaimer;
        }
    }

    private static final class Sim {
        final long seed;
        final Random rnd;
        final Path root;
        final FakeTime time = new FakeTime(T0);
        final DirectoryTaskStore disk;
        /** The real store, with other actors run before some transitions (stale listings, lost races). */
        final InterleavingStore store;
        final DispatchConfig config = DispatchConfig.builder()
                .affinityGroupSize(3).backlogThreshold(6).inboxCap(6).reclaimPerTick(6).assignPerTarget(3)
                .rebalanceCooldown(Duration.ofSeconds(60)).taskTimeout(Duration.ofSeconds(60))
                .nodeLease(Duration.ofSeconds(10)).reclaimGrace(Duration.ofSeconds(15))
                .fencedBackoff(Duration.ofSeconds(30)).maxReassignments(8).build();
        final WorkerConfig workerConfig = WorkerConfig.builder().concurrency(2)
                .heartbeatInterval(Duration.ofSeconds(2)).leaseRenewInterval(Duration.ofSeconds(5)).build();
        final Map<String, SimNode> nodes = new LinkedHashMap<>();
        final List<Leader> leaders = new ArrayList<>();
        final SimMembership membership = new SimMembership();
        final Set<String> submitted = new TreeSet<>();
        /** Run ids whose execution learnt it had lost its task (zombies): must never be in done/. */
        final Set<String> lostRuns = new HashSet<>();
        final Map<String, ExecutionContext> contexts = new HashMap<>();
        int zombieRuns;
        int step;
        /** Leader components in the middle of a tick: never re-entered by an interleaving. */
        final Set<Object> ticking = new HashSet<>();
        /** The node whose worker is being stepped now: never re-entered by an interleaving. */
        String currentNode;
        int crashes;
        int stalls;
        int hangs;
        int slowdowns;
        int splitBrainSteps;
        Set<String> lastLive = Set.of();

        Sim(long seed, Path root) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.root = root;
            this.disk = DirectoryTaskStore.builder().root(root).clock(time.clock()).syncDirectories(false).build();
            this.store = new InterleavingStore(disk, this::interleave);
            for (int i = 0; i < NODES; i++) {
                SimNode n = new SimNode("n" + i);
                nodes.put(n.id, n);
                store.registerNode(n.id);
                n.worker = newWorker(n);
            }
            // L2 runs with a drifted configuration (twice the threshold and cap, as during a rolling
            // upgrade): what it dispatches overloads nodes by L1's rules, which L1 then rebalances.
            DispatchConfig drifted = DispatchConfig.builder().affinityGroupSize(3).backlogThreshold(12).inboxCap(12)
                    .reclaimPerTick(6).assignPerTarget(3).rebalanceCooldown(Duration.ofSeconds(60))
                    .taskTimeout(Duration.ofSeconds(60)).nodeLease(Duration.ofSeconds(10))
                    .reclaimGrace(Duration.ofSeconds(15)).fencedBackoff(Duration.ofSeconds(30)).maxReassignments(8)
                    .build();
            for (String id : List.of("L1", "L2")) {
                TestElection e = new TestElection(id, id.equals("L1") ? LeadershipState.LEADER : LeadershipState.NOT_LEADER);
                DispatchConfig config = id.equals("L1") ? this.config : drifted;
                LeaderGate gate = new LeaderGate(e, root, config, time.ticker());
                gate.start();
                leaders.add(new Leader(e, gate,
                        TaskDispatcher.builder().store(store).membership(membership).gate(gate).config(config)
                                .clock(time.clock()).build(),
                        TaskReclaimer.builder().store(store).membership(membership).gate(gate).config(config)
                                .clock(time.clock()).nanoTicker(time.ticker()).build()));
            }
        }

        Worker newWorker(SimNode n) {
            TaskExecutor executor = this::execute;
            return Worker.builder().node(n.id).store(store).taskExecutor(executor).config(workerConfig)
                    .membership(new NodeHeartbeat(n)).clock(time.clock()).nanoTicker(time.ticker())
                    .executionExecutor(r -> {
                        // an execution occasionally hangs without progress: the leader must see the stall
                        boolean hang = rnd.nextInt(40) == 0;
                        hangs += hang ? 1 : 0;
                        n.queue.add(new Queued(r, step + (hang ? 80 + rnd.nextInt(60) : 0)));
                    })
                    .build();
        }

        /**
         * Runs a leader component's tick unless that component is the one being interleaved: in
         * production one component's ticks never overlap (they run on its one thread).
         */
        void tick(Object component, Runnable runOnce) {
            if (ticking.add(component)) {
                try {
                    runOnce.run();
                } finally {
                    ticking.remove(component);
                }
            }
        }

        /** Before a transition, sometimes another actor goes first. */
        void interleave(TaskRef ref) {
            int r = rnd.nextInt(100);
            if (r < 8) {
                Leader other = leaders.get(rnd.nextInt(leaders.size()));
                if (rnd.nextBoolean()) {
                    tick(other.dispatcher, other.dispatcher::runOnce);
                } else {
                    tick(other.reclaimer, other.reclaimer::runOnce);
                }
            } else if (r < 20 && ref.node() != null && !ref.node().equals(currentNode)) {
                // the node owning the directory acts meanwhile (claims, resumes, checks leases)
                SimNode n = nodes.get(ref.node());
                if (n.state == NodeState.UP) {
                    n.worker.pollOnce();
                }
            }
        }

        TaskResult execute(MigrationTask task, ExecutionContext ctx) {
            contexts.put(ctx.runId(), ctx);
            List<FileResult> files = new ArrayList<>();
            int i = 0;
            for (FileEntry f : task.files()) {
                ctx.progress(++i, i);
                files.add(new FileResult(f.sourcePath(), f.targetKey(), FileOutcome.COPIED, null, null, 1, null,
                        Duration.ZERO, 1));
            }
            return new TaskResult(task.id(), task.attempt(), ctx.runId(), ctx.node(), null, null,
                    TaskResult.outcomeOf(files), null, null, files, null);
        }

        void run(int steps) throws IOException {
            int submitUntil = steps * 8 / 10;
            for (step = 0; step < steps; step++) {
                time.advance(Duration.ofSeconds(1));
                if (step < submitUntil) {
                    int count = rnd.nextInt(50) == 0 ? 10 + rnd.nextInt(15) : (rnd.nextInt(3) == 0 ? 1 : 0);
                    submit(count);
                }
                boolean chaos = step < submitUntil;
                if (chaos) {
                    leadershipChaos();
                    nodeChaos();
                } else if (step == submitUntil) {
                    calm();
                }
                stepNodes(chaos);
                stepLeaders();
                checkInvariants();
                if (!chaos && allFinished()) {
                    break;
                }
            }
            if (!allFinished()) {
                throw new AssertionError("tasks not finished after the calm phase: " + unfinished());
            }
        }

        void submit(int count) {
            for (int i = 0; i < count; i++) {
                Instant at = time.now();
                String id = TaskIds.newId(at).substring(0, 19) + "-" + String.format(Locale.ROOT, "%012x",
                        rnd.nextLong() & 0xffffffffffffL);
                MigrationTask t = MigrationTask.builder().id(id).createdAt(at).sourceRoot("/src")
                        .addFile("d/" + id, "k/" + id).build();
                store.submit(t);
                submitted.add(id);
            }
        }

        void leadershipChaos() {
            if (rnd.nextInt(60) != 0) {
                return;
            }
            TestElection e1 = leaders.get(0).election;
            TestElection e2 = leaders.get(1).election;
            switch (rnd.nextInt(5)) {
                case 0 -> set(e1, LeadershipState.LEADER, e2, LeadershipState.NOT_LEADER);
                case 1 -> set(e1, LeadershipState.NOT_LEADER, e2, LeadershipState.LEADER);
                case 2 -> set(e1, LeadershipState.LEADER, e2, LeadershipState.LEADER); // split brain
                case 3 -> set(e1, LeadershipState.UNKNOWN, e2, LeadershipState.NOT_LEADER);
                default -> set(e1, LeadershipState.UNKNOWN, e2, LeadershipState.LEADER);
            }
        }

        void set(TestElection e1, LeadershipState s1, TestElection e2, LeadershipState s2) {
            e1.set(s1);
            e2.set(s2);
        }

        void nodeChaos() {
            for (SimNode n : nodes.values()) {
                switch (n.state) {
                    case UP -> {
                        int r = rnd.nextInt(1000);
                        if (r < 3) {
                            n.state = NodeState.CRASHED; // SIGKILL: the worker and its executions vanish
                            n.worker = null;
                            n.queue.clear();
                            n.until = step + 5 + rnd.nextInt(60);
                            crashes++;
                        } else if (r < 7) {
                            n.state = NodeState.STALLED; // GC pause, frozen VM: nothing runs, no heartbeat
                            n.until = step + 5 + rnd.nextInt(40);
                            stalls++;
                        } else if (r < 15 && n.slowUntil < step) {
                            n.slowUntil = step + 30 + rnd.nextInt(100);
                            slowdowns++;
                        }
                    }
                    case CRASHED -> {
                        if (step >= n.until) {
                            n.state = NodeState.UP;
                            n.worker = newWorker(n);
                        }
                    }
                    case STALLED -> {
                        if (step >= n.until) {
                            n.state = NodeState.UP;
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }

        void calm() {
            set(leaders.get(0).election, LeadershipState.LEADER, leaders.get(1).election, LeadershipState.NOT_LEADER);
            for (SimNode n : nodes.values()) {
                if (n.state == NodeState.CRASHED) {
                    n.worker = newWorker(n);
                }
                n.state = NodeState.UP;
            }
        }

        void stepNodes(boolean chaos) {
            for (SimNode n : nodes.values()) {
                if (n.state != NodeState.UP) {
                    continue;
                }
                currentNode = n.id;
                // a slow (starved) node polls, and so heartbeats, about every 12 s against a 10 s
                // lease: it flaps between dead and alive while it works, racing the reclaimer
                boolean slow = chaos && n.slowUntil > step;
                if (slow ? rnd.nextInt(12) == 0 : rnd.nextInt(10) < 7) {
                    n.worker.pollOnce();
                }
                if (!n.queue.isEmpty() && (slow ? rnd.nextInt(20) == 0 : rnd.nextBoolean())) {
                    int i = rnd.nextInt(n.queue.size());
                    Queued q = n.queue.get(i);
                    if (q.notBefore() <= step || !chaos) {
                        n.queue.remove(i);
                        q.run().run();
                    }
                }
                currentNode = null;
            }
            // Which executions found out they had lost their task?
            contexts.entrySet().removeIf(e -> {
                if (e.getValue().isCancelled()) {
                    lostRuns.add(e.getKey());
                    zombieRuns++;
                    return true;
                }
                return false;
            });
        }

        void stepLeaders() {
            Set<String> live = membership.liveNodes();
            boolean changed = !live.equals(lastLive);
            lastLive = live;
            int active = 0;
            for (Leader l : leaders) {
                if (l.election.state() == LeadershipState.LEADER) {
                    active++;
                }
                if (rnd.nextInt(5) == 0) {
                    tick(l.dispatcher, l.dispatcher::runOnce);
                }
                if (changed || rnd.nextInt(20) == 0) {
                    tick(l.reclaimer, l.reclaimer::runOnce);
                }
            }
            splitBrainSteps += active == 2 ? 1 : 0;
        }

        // ------------------------------------------------------------------ invariants

        void checkInvariants() throws IOException {
            Map<String, List<String>> places = scan();
            for (String id : submitted) {
                List<String> p = places.get(id);
                if (p == null || p.size() != 1) {
                    throw new AssertionError("task " + id + " is in " + (p == null ? "no place (lost)" : p));
                }
            }
            for (String id : places.keySet()) {
                if (!submitted.contains(id)) {
                    throw new AssertionError("unknown task " + id + " in " + places.get(id));
                }
            }
            // done/ names carry the committing run: never a zombie's
            try (Stream<Path> s = Files.walk(root.resolve("done"), 3).filter(Files::isRegularFile)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String name = p.getFileName().toString();
                    int sep = name.indexOf('~');
                    if (sep > 0) {
                        String run = name.substring(sep + 1, name.length() - ".json".length());
                        if (lostRuns.contains(run)) {
                            throw new AssertionError("zombie run " + run + " published " + name);
                        }
                    }
                }
            }
            // Executions: a task may run on two nodes at once only if the leader took it from the
            // one whose running/ no longer holds it (dead node or stalled task): a zombie.
            Map<String, List<String>> executors = new TreeMap<>();
            for (SimNode n : nodes.values()) {
                if (n.worker != null && n.state != NodeState.CRASHED) {
                    for (String id : n.worker.executing()) {
                        executors.computeIfAbsent(id, k -> new ArrayList<>()).add(n.id);
                    }
                }
            }
            for (Map.Entry<String, List<String>> e : executors.entrySet()) {
                String id = e.getKey();
                String place = places.get(id).get(0);
                for (String node : e.getValue()) {
                    if (place.equals("nodes/" + node + "/running")) {
                        continue;
                    }
                    if (!takenByLeader(id, node)) {
                        throw new AssertionError("task " + id + " executes on " + node + " but is in " + place
                                + " and no leader took it from " + node + "; executors " + e.getValue());
                    }
                }
                long holders = e.getValue().stream().filter(nd -> place.equals("nodes/" + nd + "/running")).count();
                if (holders > 1) {
                    throw new AssertionError("task " + id + " held by two nodes: " + e.getValue());
                }
            }
        }

        boolean takenByLeader(String id, String node) {
            TaskRef ref = store.find(id).orElseThrow();
            StoredTask t = store.read(ref).orElseThrow();
            for (TaskEvent ev : t.history()) {
                if (node.equals(ev.fromNode()) && (ev.type() == TaskEvent.Type.RECLAIMED_DEAD_NODE
                        || ev.type() == TaskEvent.Type.RECLAIMED_STALLED || ev.type() == TaskEvent.Type.FAILED)) {
                    return true;
                }
            }
            return false;
        }

        Map<String, List<String>> scan() throws IOException {
            Map<String, List<String>> places = new HashMap<>();
            List<String> dirs = new ArrayList<>(List.of("pending", "done", "failed", "archive"));
            for (String n : nodes.keySet()) {
                dirs.add("nodes/" + n + "/inbox");
                dirs.add("nodes/" + n + "/running");
            }
            for (String d : dirs) {
                Path dir = root.resolve(d);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                // pending/, done/, failed/, archive/ hold their tasks in <hour>/<bucket>/ (layout 2)
                try (Stream<Path> s = d.startsWith("nodes/") ? Files.list(dir)
                        : Files.walk(dir, 3).filter(Files::isRegularFile)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        String name = p.getFileName().toString();
                        if (name.startsWith(".") || !name.endsWith(".json")) {
                            continue;
                        }
                        String id = name.substring(0, name.length() - ".json".length());
                        int sep = id.indexOf('~');
                        if (sep > 0) {
                            id = id.substring(0, sep);
                        }
                        places.computeIfAbsent(id, k -> new ArrayList<>()).add(d);
                    }
                }
            }
            return places;
        }

        boolean allFinished() throws IOException {
            return unfinished() == 0;
        }

        long unfinished() throws IOException {
            return scan().values().stream().filter(p -> !p.get(0).equals("done") && !p.get(0).equals("failed")).count();
        }

        long lostRaces() {
            return leaders.stream().mapToLong(l -> l.dispatcher.lostRaces() + l.reclaimer.lostRaces()).sum();
        }

        String stats() throws IOException {
            Map<String, Long> byPlace = new TreeMap<>();
            for (List<String> p : scan().values()) {
                byPlace.merge(p.get(0).startsWith("nodes/") ? "nodes" : p.get(0), 1L, Long::sum);
            }
            long fencings = leaders.stream().mapToLong(l -> l.gate.fencings()).sum();
            long dispatched = leaders.stream().mapToLong(l -> l.dispatcher.dispatched()).sum();
            long reclaimed = leaders.stream().mapToLong(l -> l.reclaimer.reclaimed()).sum();
            long rebalanced = leaders.stream().mapToLong(l -> l.reclaimer.rebalanced()).sum();
            return "steps=" + step + " tasks=" + submitted.size() + " " + byPlace + " crashes=" + crashes
                    + " stalls=" + stalls + " hangs=" + hangs + " slowdowns=" + slowdowns + " splitBrainSteps=" + splitBrainSteps
                    + " fencings=" + fencings + " dispatched=" + dispatched + " reclaimed=" + reclaimed
                    + " rebalanced=" + rebalanced + " leaderLostRaces=" + lostRaces() + " allLostRaces=" + store.lostRaces
                    + " zombieRuns=" + zombieRuns;
        }

        /** Liveness as an observer judges it: a heartbeat within the node lease on the shared ticker. */
        class SimMembership implements Membership {
            @Override
            public void start() {
            }

            @Override
            public Set<String> liveNodes() {
                Set<String> live = new TreeSet<>();
                for (SimNode n : nodes.values()) {
                    if (isAlive(n.id)) {
                        live.add(n.id);
                    }
                }
                return live;
            }

            @Override
            public Set<String> knownNodes() {
                return new TreeSet<>(nodes.keySet());
            }

            @Override
            public boolean isAlive(String nodeId) {
                SimNode n = nodes.get(nodeId);
                return n != null && n.lastHeartbeatNanos > 0
                        && time.ticker().getAsLong() - n.lastHeartbeatNanos < config.nodeLease().toNanos();
            }

            @Override
            public void addListener(MembershipListener listener) {
            }

            @Override
            public void removeListener(MembershipListener listener) {
            }

            @Override
            public void close() {
            }
        }

        /** The membership a node's worker sees: the same view, and heartbeat() records this node's progress. */
        final class NodeHeartbeat extends SimMembership {
            final SimNode node;

            NodeHeartbeat(SimNode node) {
                this.node = node;
            }

            @Override
            public void heartbeat() {
                node.lastHeartbeatNanos = time.ticker().getAsLong();
            }
        }
    }
}
