package io.migrate.dispatch;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipListener;
import io.migrate.internal.Periodic;
import io.migrate.internal.Require;
import io.migrate.task.InvalidTaskException;
import io.migrate.task.MoveOutcome;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Leader side: takes tasks back from nodes that died, stalled or are overloaded.
 *
 * <p>Each tick (default every 80 s, and at once when the membership reports a change), while
 * the {@link LeaderGate} holds an epoch and the epoch is older than
 * {@link DispatchConfig#reclaimGrace()}:
 * <ul>
 *   <li><b>dead node</b> (known on the task root or to the membership, not live): its inbox and
 *       running tasks go back to pending with a {@link TaskEvent.Type#RECLAIMED_DEAD_NODE} event,
 *       attempt kept; {@link Membership#isAlive(String)} is asked afresh immediately before
 *       each move and a node that came back keeps the rest of its tasks;</li>
 *   <li><b>stalled task</b> (running on a live node, lease file time unchanged for
 *       {@link DispatchConfig#taskTimeout()} as observed on this leader's monotonic ticker, so
 *       clocks of other nodes do not matter): back to pending with
 *       {@link TaskEvent.Type#RECLAIMED_STALLED}, which counts as a failed attempt;</li>
 *   <li><b>overload</b> (backlog above the threshold on two consecutive ticks while another live
 *       node is under it): up to {@code n} inbox tasks, never running ones, in whole affinity
 *       groups (runs of up to {@code k} consecutive inbox names, taken from the newest end) move
 *       to nodes under the threshold, at most {@code m} per target, never to a node a task left
 *       within the cooldown ({@link TaskEvent.Type#REBALANCED} events in its history);</li>
 *   <li>a task reclaimed or rebalanced more than {@link DispatchConfig#maxReassignments()} times
 *       goes to failed/ with {@link ErrorCode#TOO_MANY_REASSIGNMENTS}, one whose stalled reclaims
 *       use up {@link DispatchConfig#maxAttempts()} with {@link ErrorCode#MAX_ATTEMPTS_EXCEEDED};
 *       the history stays in the file;</li>
 *   <li>stale temporary files in incoming/ are removed ({@link TaskStore#cleanStaleIncoming});</li>
 *   <li>entries of the task root that are not tasks, and second copies of a task id, are moved to
 *       quarantine ({@link TaskStore#quarantineForeign}).</li>
 * </ul>
 * Every move is a rename: a task that moved meanwhile is a counted lost race, never retried.
 *
 * <p>Thread-safety: ticks run one at a time (owned {@code migrate-reclaimer-N} thread, or the
 * caller's through {@link #runOnce()}); the lease and overload observations are owned by the
 * tick. Accessors may be read from any thread.
 */
public final class TaskReclaimer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskReclaimer.class);

    private final TaskStore store;
    private final Membership membership;
    private final LeaderGate gate;
    private final DispatchConfig config;
    private final Clock clock;
    private final LongSupplier nanoTicker;
    private final Periodic periodic;
    private final MembershipListener membershipListener;
    private final ReentrantLock tickLock = new ReentrantLock();

    // --- owned by the tick (guarded by tickLock) ---
    /** Lease observations of running tasks: key node/fileName. */
    private final Map<String, LeaseSeen> leases = new HashMap<>();
    /** Consecutive ticks each node was above the threshold. */
    private final Map<String, Integer> overTicks = new HashMap<>();
    /** Epoch the observations belong to; they are dropped when the epoch changes. */
    private long observedEpoch;

    private final AtomicLong lostRaces = new AtomicLong();
    private final AtomicLong reclaimed = new AtomicLong();
    private final AtomicLong rebalanced = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private TaskReclaimer(Builder b) {
        this.store = Require.nonNull("store", b.store);
        this.membership = Require.nonNull("membership", b.membership);
        this.gate = Require.nonNull("gate", b.gate);
        this.config = b.config == null ? DispatchConfig.defaults() : b.config;
        this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
        this.nanoTicker = b.nanoTicker == null ? System::nanoTime : b.nanoTicker;
        this.periodic = new Periodic("reclaimer", config.reclaimTick(), this::runOnce, b.scheduler);
        this.membershipListener = live -> periodic.trigger();
    }

    /** @return a builder; store, membership and gate are required */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts ticking and listening to membership changes. Idempotent. */
    public void start() {
        membership.removeListener(membershipListener);
        membership.addListener(membershipListener);
        periodic.start();
    }

    /**
     * Runs one tick now on the calling thread. Returns at once with a "stopped" report if another
     * tick is running.
     *
     * @return what the tick did
     */
    public ReclaimReport runOnce() {
        if (!tickLock.tryLock()) {
            return ReclaimReport.NOT_LEADER;
        }
        MDC.put("node", gate.nodeId());
        try {
            OptionalLong epoch = gate.enter();
            if (epoch.isEmpty()) {
                leases.clear();
                overTicks.clear();
                observedEpoch = 0;
                return ReclaimReport.NOT_LEADER;
            }
            long e = epoch.getAsLong();
            if (e != observedEpoch) {
                // Observations of an earlier term may be old: start over.
                leases.clear();
                overTicks.clear();
                observedEpoch = e;
            }
            if (gate.leadershipAge().compareTo(config.reclaimGrace()) < 0) {
                return new ReclaimReport(e, 0, 0, 0, 0, 0, 0, true, false);
            }
            Tick t = new Tick(e);
            t.run();
            return t.report();
        } finally {
            MDC.remove("node");
            tickLock.unlock();
        }
    }

    /** @return moves that lost the race since start */
    public long lostRaces() {
        return lostRaces.get();
    }

    /** @return tasks taken back from dead or stalled nodes since start */
    public long reclaimed() {
        return reclaimed.get();
    }

    /** @return inbox tasks moved off overloaded nodes since start */
    public long rebalanced() {
        return rebalanced.get();
    }

    /** @return tasks this reclaimer moved to failed/ since start */
    public long failed() {
        return failed.get();
    }

    /** Stops ticking and listening; waits (bounded) for the owned thread. Idempotent. */
    @Override
    public void close() {
        membership.removeListener(membershipListener);
        periodic.close();
    }

    private record LeaseSeen(Instant lease, long seenNanos) {
    }

    /** Thrown inside a tick when leadership or the epoch is lost; ends the tick. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    /** One tick's work and counts. */
    private final class Tick {
        final long epoch;
        final Instant now;
        int dead;
        int stalled;
        int moved;
        int failedNow;
        int cameBack;
        int lost;
        boolean stopped;

        Tick(long epoch) {
            this.epoch = epoch;
            this.now = clock.instant();
        }

        void run() {
            try {
                cleanIncoming();
                quarantineForeign();
                Set<String> live = new TreeSet<>(membership.liveNodes());
                Set<String> nodes = new TreeSet<>(store.nodes());
                nodes.addAll(membership.knownNodes());
                for (String node : nodes) {
                    if (!live.contains(node)) {
                        reclaimDeadNode(node);
                    }
                }
                Set<String> seen = new HashSet<>();
                for (String node : live) {
                    checkStalled(node, seen);
                }
                leases.keySet().retainAll(seen);
                rebalance(live);
            } catch (Stop s) {
                stopped = true;
                LOG.info("Reclaim tick (epoch {}) stopped: leadership or epoch lost", epoch);
            }
            lostRaces.addAndGet(lost);
            reclaimed.addAndGet(dead + stalled);
            rebalanced.addAndGet(moved);
            failed.addAndGet(failedNow);
        }

        ReclaimReport report() {
            return new ReclaimReport(epoch, dead, stalled, moved, failedNow, cameBack, lost, false, stopped);
        }

        private void cleanIncoming() {
            try {
                int removed = store.cleanStaleIncoming(config.incomingTimeout());
                if (removed > 0) {
                    LOG.info("Removed {} stale temporary files from incoming/", removed);
                }
            } catch (MigrateException e) {
                LOG.warn("Cleaning incoming/ failed; next tick tries again: {}: {}", e.code(), e.getMessage());
            }
        }

        /** Foreign entries block nothing (listing skips them); moving them out shows them to an operator. */
        private void quarantineForeign() {
            batch(); // renames of entries this leader does not own: only while it still leads
            try {
                int moved = store.quarantineForeign();
                if (moved > 0) {
                    LOG.info("Moved {} foreign entries of the task root to rejected/ (epoch {})", moved, epoch);
                }
            } catch (MigrateException e) {
                LOG.warn("Moving foreign entries to rejected/ failed; next tick tries again: {}: {}", e.code(),
                        e.getMessage());
            }
        }

        private void batch() {
            if (!gate.checkBatch()) {
                throw new Stop();
            }
        }

        private void single() {
            if (!gate.isActive()) {
                throw new Stop();
            }
        }

        private void reclaimDeadNode(String node) {
            List<TaskRef> refs = new ArrayList<>();
            try (Stream<TaskRef> s = store.list(TaskState.RUNNING, node)) {
                s.forEach(refs::add);
            }
            try (Stream<TaskRef> s = store.list(TaskState.INBOX, node)) {
                s.forEach(refs::add);
            }
            if (refs.isEmpty()) {
                return;
            }
            batch();
            LOG.info("Node {} is dead: reclaiming {} tasks (epoch {})", node, refs.size(), epoch);
            for (TaskRef ref : refs) {
                single();
                Optional<StoredTask> stored = readOrFail(ref);
                if (stored.isEmpty()) {
                    continue;
                }
                // Re-confirm immediately before the move: a node that came back keeps its tasks.
                if (membership.isAlive(node)) {
                    cameBack++;
                    LOG.info("Node {} is alive again; its remaining tasks stay (epoch {})", node, epoch);
                    return;
                }
                TaskEvent event = new TaskEvent(now, epoch, TaskEvent.Type.RECLAIMED_DEAD_NODE, node, null,
                        "node " + node + " is dead; task was in " + ref.state().directoryName());
                if (tooManyReassignments(ref, stored.get())) {
                    continue;
                }
                if (move(ref, TaskState.PENDING, null, event)) {
                    dead++;
                }
            }
        }

        private void checkStalled(String node, Set<String> seen) {
            List<TaskRef> running = new ArrayList<>();
            try (Stream<TaskRef> s = store.list(TaskState.RUNNING, node)) {
                s.forEach(running::add);
            }
            long nowNanos = nanoTicker.getAsLong();
            List<TaskRef> stalledRefs = new ArrayList<>();
            for (TaskRef ref : running) {
                Optional<Instant> lease = store.leaseRenewedAt(ref);
                if (lease.isEmpty()) {
                    continue;
                }
                String key = node + "/" + ref.fileName();
                seen.add(key);
                LeaseSeen before = leases.get(key);
                if (before == null || !before.lease().equals(lease.get())) {
                    leases.put(key, new LeaseSeen(lease.get(), nowNanos));
                } else if (nowNanos - before.seenNanos() >= config.taskTimeout().toNanos()) {
                    stalledRefs.add(ref);
                }
            }
            if (stalledRefs.isEmpty()) {
                return;
            }
            batch();
            for (TaskRef ref : stalledRefs) {
                single();
                Optional<StoredTask> stored = readOrFail(ref);
                if (stored.isEmpty()) {
                    continue;
                }
                leases.remove(node + "/" + ref.fileName());
                StoredTask st = stored.get();
                long attemptsUsed = st.task().attempt() + st.count(TaskEvent.Type.RECLAIMED_STALLED);
                if (attemptsUsed >= config.maxAttempts()) {
                    failTask(ref, ErrorCode.MAX_ATTEMPTS_EXCEEDED, "stalled on " + node + " on attempt "
                            + attemptsUsed + " of " + config.maxAttempts());
                    continue;
                }
                if (tooManyReassignments(ref, st)) {
                    continue;
                }
                TaskEvent event = new TaskEvent(now, epoch, TaskEvent.Type.RECLAIMED_STALLED, node, null,
                        "lease unchanged for " + config.taskTimeout() + " on live node " + node);
                if (move(ref, TaskState.PENDING, null, event)) {
                    stalled++;
                }
            }
        }

        private void rebalance(Set<String> live) {
            Map<String, long[]> load = new HashMap<>(); // node -> {inbox, running}
            for (String node : live) {
                load.put(node, new long[] {store.count(TaskState.INBOX, node), store.count(TaskState.RUNNING, node)});
            }
            overTicks.keySet().retainAll(live);
            for (String node : live) {
                if (backlog(load, node) > config.backlogThreshold()) {
                    overTicks.merge(node, 1, Integer::sum);
                } else {
                    overTicks.remove(node);
                }
            }
            if (config.reclaimPerTick() == 0) {
                return;
            }
            List<String> sources = live.stream()
                    .filter(nd -> overTicks.getOrDefault(nd, 0) >= 2)
                    .sorted(Comparator.comparingLong((String nd) -> -backlog(load, nd)))
                    .collect(Collectors.toList());
            if (sources.isEmpty() || live.stream().noneMatch(nd -> backlog(load, nd) < config.backlogThreshold())) {
                return;
            }
            int budget = config.reclaimPerTick();
            Map<String, Integer> sentTo = new HashMap<>();
            for (String source : sources) {
                List<TaskRef> inbox = new ArrayList<>();
                try (Stream<TaskRef> s = store.list(TaskState.INBOX, source)) {
                    s.forEach(inbox::add);
                }
                // Whole groups of up to k consecutive names, newest first (they would wait longest).
                for (int end = inbox.size(); end > 0 && budget > 0; ) {
                    if (backlog(load, source) <= config.backlogThreshold()) {
                        break;
                    }
                    int start = Math.max(0, end - config.affinityGroupSize());
                    List<TaskRef> group = inbox.subList(start, end);
                    end = start;
                    if (group.size() > budget) {
                        return; // never split a group; n is used up
                    }
                    List<StoredTask> tasks = new ArrayList<>();
                    for (TaskRef ref : group) {
                        readOrFail(ref).ifPresent(tasks::add);
                    }
                    if (tasks.isEmpty()) {
                        continue;
                    }
                    String target = chooseTarget(live, load, sentTo, source, tasks);
                    if (target == null) {
                        continue;
                    }
                    batch();
                    for (StoredTask st : tasks) {
                        single();
                        if (tooManyReassignments(st.ref(), st)) {
                            load.get(source)[0]--;
                            continue;
                        }
                        TaskEvent event = new TaskEvent(now, epoch, TaskEvent.Type.REBALANCED, source, target,
                                "node " + source + " over backlog threshold " + config.backlogThreshold()
                                        + " on consecutive ticks");
                        if (move(st.ref(), TaskState.INBOX, target, event)) {
                            moved++;
                            budget--;
                            load.get(source)[0]--;
                            load.get(target)[0]++;
                            sentTo.merge(target, 1, Integer::sum);
                        }
                    }
                }
            }
        }

        private String chooseTarget(Set<String> live, Map<String, long[]> load, Map<String, Integer> sentTo,
                String source, List<StoredTask> group) {
            String best = null;
            long bestBacklog = Long.MAX_VALUE;
            for (String node : live) {
                if (node.equals(source)) {
                    continue;
                }
                long b = backlog(load, node);
                if (b >= config.backlogThreshold()
                        || b + group.size() > config.backlogThreshold()
                        || load.get(node)[0] + group.size() > config.inboxCap()
                        || sentTo.getOrDefault(node, 0) + group.size() > config.assignPerTarget()
                        || inCooldown(group, node)) {
                    continue;
                }
                if (b < bestBacklog) {
                    best = node;
                    bestBacklog = b;
                }
            }
            return best;
        }

        private boolean inCooldown(List<StoredTask> group, String target) {
            Instant since = now.minus(config.rebalanceCooldown());
            for (StoredTask st : group) {
                for (TaskEvent e : st.history()) {
                    if (e.type() == TaskEvent.Type.REBALANCED && target.equals(e.fromNode()) && e.time().isAfter(since)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private long backlog(Map<String, long[]> load, String node) {
            long[] l = load.get(node);
            return l[0] + l[1];
        }

        /** Reads a task; a malformed one goes to failed/ with its code. Empty when gone or failed. */
        private Optional<StoredTask> readOrFail(TaskRef ref) {
            try {
                Optional<StoredTask> st = store.read(ref);
                if (st.isEmpty()) {
                    lost++;
                    Audit.lostRace(epoch, ref, ref.state(), ref.node());
                }
                return st;
            } catch (InvalidTaskException e) {
                failTask(ref, e.code(), "unreadable task file: " + e.getMessage());
                return Optional.empty();
            } catch (MigrateException e) {
                // One file the store cannot read (I/O error, permissions) must not end the tick for
                // every task after it; it is looked at again next tick.
                LOG.warn("Task {} skipped this tick: {}: {}", ref.taskId(), e.code(), e.getMessage());
                return Optional.empty();
            }
        }

        private boolean tooManyReassignments(TaskRef ref, StoredTask st) {
            long soFar = st.count(TaskEvent.Type.RECLAIMED_DEAD_NODE) + st.count(TaskEvent.Type.RECLAIMED_STALLED)
                    + st.count(TaskEvent.Type.REBALANCED);
            if (soFar + 1 > config.maxReassignments()) {
                failTask(ref, ErrorCode.TOO_MANY_REASSIGNMENTS, "reassigned " + soFar + " times; limit "
                        + config.maxReassignments());
                return true;
            }
            return false;
        }

        private void failTask(TaskRef ref, ErrorCode code, String message) {
            MDC.put("task", ref.taskId());
            try {
                if (store.fail(ref, code, message, null) == MoveOutcome.MOVED) {
                    failedNow++;
                    Audit.moved(epoch, ref, TaskState.FAILED, null, code + ": " + message);
                    LOG.info("Task {} failed: {} {}", ref.taskId(), code, message);
                } else {
                    lost++;
                    Audit.lostRace(epoch, ref, TaskState.FAILED, null);
                }
            } finally {
                MDC.remove("task");
            }
        }

        private boolean move(TaskRef ref, TaskState to, String toNode, TaskEvent event) {
            MDC.put("task", ref.taskId());
            try {
                if (store.move(ref, to, toNode, event) == MoveOutcome.MOVED) {
                    Audit.moved(epoch, ref, to, toNode, event.type() + ": " + event.reason());
                    return true;
                }
                lost++;
                Audit.lostRace(epoch, ref, to, toNode);
                return false;
            } finally {
                MDC.remove("task");
            }
        }
    }

    /** Builds a {@link TaskReclaimer}. Not thread-safe. */
    public static final class Builder {
        private TaskStore store;
        private Membership membership;
        private LeaderGate gate;
        private DispatchConfig config;
        private Clock clock;
        private LongSupplier nanoTicker;
        private ScheduledExecutorService scheduler;

        private Builder() {
        }

        /**
         * @param v the task store (required)
         * @return this
         */
        public Builder store(TaskStore v) {
            this.store = v;
            return this;
        }

        /**
         * @param v which nodes are alive (required); its change events trigger a tick
         * @return this
         */
        public Builder membership(Membership v) {
            this.membership = v;
            return this;
        }

        /**
         * @param v the leader gate shared with the dispatcher (required)
         * @return this
         */
        public Builder gate(LeaderGate v) {
            this.gate = v;
            return this;
        }

        /**
         * @param v settings; default {@link DispatchConfig#defaults()}
         * @return this
         */
        public Builder config(DispatchConfig v) {
            this.config = v;
            return this;
        }

        /**
         * @param v wall clock stamped on history events and used for the cooldown; default UTC
         * @return this
         */
        public Builder clock(Clock v) {
            this.clock = v;
            return this;
        }

        /**
         * @param v monotonic nanoseconds for lease observations; default {@code System::nanoTime}
         * @return this
         */
        public Builder nanoTicker(LongSupplier v) {
            this.nanoTicker = v;
            return this;
        }

        /**
         * @param v the host's scheduler; default an owned {@code migrate-reclaimer-N} thread
         * @return this
         */
        public Builder scheduler(ScheduledExecutorService v) {
            this.scheduler = v;
            return this;
        }

        /**
         * @return the reclaimer, not started
         * @throws io.migrate.error.ConfigurationException if a required part is missing
         */
        public TaskReclaimer build() {
            return new TaskReclaimer(this);
        }
    }
}
