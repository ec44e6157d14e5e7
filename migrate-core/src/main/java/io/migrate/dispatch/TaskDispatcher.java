package io.migrate.dispatch;

import io.migrate.ha.spi.Membership;
import io.migrate.internal.Periodic;
import io.migrate.internal.Require;
import io.migrate.task.MoveOutcome;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Leader side: moves pending tasks into the inboxes of live nodes.
 *
 * <p>Each tick (default every 5 s), while the {@link LeaderGate} holds an epoch:
 * <ol>
 *   <li>pending tasks are taken in name order, which is eligibility order; names whose
 *       {@link TaskIds#eligibleAt(String)} lies in the future (retries in backoff) end the scan;</li>
 *   <li>each eligible task is read (it is small); a task naming a file that is already in some
 *       live node's inbox or running directory (a <em>duplicate</em>: the platform retried while the
 *       original was in flight) goes alone to that node, the one holding most of its files, even
 *       when that node is at the backlog threshold or inbox cap: there the mover moves a shared file
 *       once or skips it as committed, while on any other node it would be moved twice at once. The
 *       leader keeps an index of the files in flight for this ({@code InFlightIndex}), rebuilt from
 *       the task root in every new epoch; tasks that cannot be read are dispatched normally;</li>
 *   <li>each run of up to {@code k} consecutive other tasks (an <em>affinity group</em>) goes to one
 *       node, so a retry submitted right behind its original lands where the original is;</li>
 *   <li>the target is the live node with the smallest backlog (inbox + running) that is under
 *       the backlog threshold and under its inbox cap, round robin among equals; a node never
 *       receives more than fits under both, the rest of its group goes to the next choice;</li>
 *   <li>each move is a rename ({@link TaskStore#move}); before each group the gate re-checks
 *       leadership and the epoch and the tick stops at once if either is lost;</li>
 *   <li>each node that received tasks is told once through the {@link Notifier}, never retried.</li>
 * </ol>
 * Tasks that cannot be placed stay in pending and are counted ({@link #lastUnplaceable()}), up to
 * 1,000 beyond the room: the tick reads {@code pending/} in eligibility order only as far as it
 * needs, so its cost follows the tasks it places, not the backlog ({@code docs/task-root.md}).
 *
 * <p>Thread-safety: ticks run one at a time (on the owned {@code migrate-dispatcher-N} thread,
 * or on the caller's thread through {@link #runOnce()}); accessors may be read from any thread.
 */
public final class TaskDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskDispatcher.class);
    /** Eligible tasks beyond the room a tick counts as unplaceable before it stops reading names. */
    static final int UNPLACEABLE_LOOK_AHEAD = 1000;

    private final TaskStore store;
    private final Membership membership;
    private final LeaderGate gate;
    private final Notifier notifier;
    private static final long RECHECK_NANOS = 1_000_000_000L;
    /** When a non-live node's liveness was last asked directly; the tick's thread only. */
    private final Map<String, Long> recheckedAt = new HashMap<>();
    private final DispatchConfig config;
    private final Clock clock;
    private final Periodic periodic;
    /** One tick at a time even if the host's scheduler has several threads. */
    private final ReentrantLock tickLock = new ReentrantLock();

    /** Files of the tasks in every node's inbox/running; touched only while holding {@link #tickLock}. */
    private final InFlightIndex inFlight = new InFlightIndex();
    /** Round-robin position among equally loaded nodes; touched only while holding {@link #tickLock}. */
    private int roundRobin;

    private final AtomicLong dispatched = new AtomicLong();
    private final AtomicLong lostRaces = new AtomicLong();
    private volatile int lastUnplaceable;

    private TaskDispatcher(Builder b) {
        this.store = Require.nonNull("store", b.store);
        this.membership = Require.nonNull("membership", b.membership);
        this.gate = Require.nonNull("gate", b.gate);
        this.notifier = b.notifier == null ? Notifier.NONE : b.notifier;
        this.config = b.config == null ? DispatchConfig.defaults() : b.config;
        this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
        this.periodic = new Periodic("dispatcher", config.dispatchTick(), this::runOnce, b.scheduler);
    }

    /** @return a builder; store, membership and gate are required */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts ticking every {@link DispatchConfig#dispatchTick()}. Idempotent. */
    public void start() {
        periodic.start();
    }

    /**
     * Asks for a tick now on the dispatcher's thread instead of at the next tick: called when this
     * node (leading) submitted a task or one of its backends has room again. Triggers before the
     * tick runs count once; a node that does not lead answers the tick with "not leader" at once.
     * Never blocks. The periodic tick stays the safety net (tasks submitted by other processes,
     * lost triggers).
     */
    public void dispatchSoon() {
        periodic.trigger();
    }

    /**
     * Runs one tick now on the calling thread (hosts that drive ticks themselves, tests). Returns
     * at once with a "stopped" report if another tick is running.
     *
     * @return what the tick did
     */
    public DispatchReport runOnce() {
        if (!tickLock.tryLock()) {
            return DispatchReport.NOT_LEADER;
        }
        MDC.put("node", gate.nodeId());
        try {
            OptionalLong epoch = gate.enter();
            if (epoch.isEmpty()) {
                inFlight.clear(); // not leader: hold nothing; the next epoch rebuilds it from the task root
                return DispatchReport.NOT_LEADER;
            }
            return tick(epoch.getAsLong());
        } finally {
            MDC.remove("node");
            tickLock.unlock();
        }
    }

    private DispatchReport tick(long epoch) {
        Instant now = clock.instant();
        TreeSet<String> liveNow = new TreeSet<>(membership.liveNodes());
        long nowNanos = System.nanoTime();
        for (String node : store.nodes()) {
            // A node that just started is eligible as soon as its first heartbeat is on the task
            // root: isAlive re-reads it instead of waiting for the membership's next observation.
            // Each other non-live node is asked at most once a second (isAlive may cost a
            // ZooKeeper or CTDB call, and dead nodes keep their directories).
            Long last = recheckedAt.get(node);
            if (!liveNow.contains(node) && (last == null || nowNanos - last >= RECHECK_NANOS)) {
                recheckedAt.put(node, nowNanos);
                if (membership.isAlive(node)) {
                    liveNow.add(node);
                }
            }
        }
        List<String> live = new ArrayList<>(liveNow);
        Set<String> liveSet = new HashSet<>(live);
        Map<String, Load> loads = new LinkedHashMap<>();
        long totalRoom = 0;
        for (String node : live) {
            Load l = new Load(store.count(TaskState.INBOX, node), store.count(TaskState.RUNNING, node));
            loads.put(node, l);
            totalRoom += Math.max(0, room(l));
        }
        // Read no more eligible tasks than can be placed (duplicates of in-flight tasks take no room);
        // count the rest without reading them or keeping refs.
        List<Candidate> eligible = new ArrayList<>();
        int unplaceable = 0;
        int needRoom = 0;
        boolean indexed = false;
        try (Stream<TaskRef> pending = store.list(TaskState.PENDING)) {
            Iterator<TaskRef> it = pending.iterator();
            while (it.hasNext()) {
                TaskRef ref = it.next();
                if (TaskIds.isValid(ref.taskId()) && TaskIds.eligibleAt(ref.taskId()).isAfter(now)) {
                    // Names sort by eligibility: everything after this is in backoff too. Only task
                    // ids are listed, so no foreign name hides behind this break (the leader's
                    // TaskStore.quarantineForeign moves those out whatever their sort position).
                    break;
                }
                if (needRoom >= totalRoom) {
                    // Count a bounded look-ahead only: walking the whole backlog to count it made a
                    // tick O(pending) (seconds at a million tasks) for a number nobody acts on.
                    if (++unplaceable >= UNPLACEABLE_LOOK_AHEAD) {
                        break;
                    }
                    continue;
                }
                if (!indexed) {
                    inFlight.refresh(store, epoch); // only on ticks with work: idle ticks list nothing more
                    indexed = true;
                }
                // Moved since it was listed: the move below loses the race and counts it.
                long[] keys = InFlightIndex.readKeys(store, ref).orElse(InFlightIndex.NO_FILES);
                eligible.add(new Candidate(ref, keys));
                if (inFlight.nodeFor(keys, liveSet::contains) == null) {
                    needRoom++;
                }
            }
        }
        Map<String, List<String>> assigned = new LinkedHashMap<>();
        int[] counts = new int[2]; // moved, lost
        boolean stopped = false;
        boolean full = false;
        String target = null;
        int groupLeft = 0;
        int batchLeft = 0;
        int i = 0;
        int n = eligible.size();
        for (; i < n; i++) {
            Candidate c = eligible.get(i);
            // Checked at move time, so a duplicate of a task moved earlier in this tick follows it too.
            String holder = inFlight.nodeFor(c.keys, liveSet::contains);
            if (holder != null) {
                // A duplicate of an in-flight task goes alone to the node holding its files, even past
                // the threshold and cap: there it costs nothing (moved once in flight, or skipped as
                // committed), anywhere else it would be moved twice at once.
                if (!gate.checkBatch()) {
                    stopped = true;
                    break;
                }
                move(epoch, c, holder, loads, assigned, counts, "dispatch duplicate of in-flight files");
                continue;
            }
            if (full) {
                unplaceable++;
                continue; // later duplicates may still go to their nodes
            }
            if (groupLeft == 0) {
                groupLeft = config.affinityGroupSize();
                batchLeft = 0;
            }
            if (batchLeft == 0) {
                target = chooseTarget(live, loads);
                if (target == null) {
                    full = true;
                    unplaceable++;
                    continue;
                }
                batchLeft = Math.min(groupLeft, room(loads.get(target)));
                if (!gate.checkBatch()) {
                    stopped = true;
                    break;
                }
            }
            if (!gate.isActive()) {
                stopped = true;
                break;
            }
            move(epoch, c, target, loads, assigned, counts, "dispatch");
            batchLeft--;
            groupLeft--;
        }
        unplaceable += n - i;
        int moved = counts[0];
        int lost = counts[1];
        notifyNodes(assigned);
        dispatched.addAndGet(moved);
        lostRaces.addAndGet(lost);
        lastUnplaceable = unplaceable;
        if (moved > 0 || unplaceable > 0 || lost > 0) {
            LOG.debug("Dispatch tick (epoch {}): {} dispatched, {} unplaceable, {} lost races{}; in flight: {} tasks,"
                    + " {} files", epoch, moved, unplaceable, lost, stopped ? ", stopped early" : "",
                    inFlight.taskCount(), inFlight.fileCount());
        }
        return new DispatchReport(epoch, moved, unplaceable, lost, stopped);
    }

    /** One move pending -> inbox of {@code target}; counts[0] moved, counts[1] lost races. */
    private void move(long epoch, Candidate c, String target, Map<String, Load> loads,
            Map<String, List<String>> assigned, int[] counts, String reason) {
        TaskRef ref = c.ref;
        MDC.put("task", ref.taskId());
        try {
            if (store.move(ref, TaskState.INBOX, target) == MoveOutcome.MOVED) {
                loads.get(target).inbox++;
                counts[0]++;
                assigned.computeIfAbsent(target, t -> new ArrayList<>()).add(ref.taskId());
                inFlight.add(ref.taskId(), target, c.keys);
                Audit.moved(epoch, ref, TaskState.INBOX, target, reason);
            } else {
                counts[1]++;
                Audit.lostRace(epoch, ref, TaskState.INBOX, target);
            }
        } finally {
            MDC.remove("task");
        }
    }

    private int room(Load l) {
        long byThreshold = config.backlogThreshold() - l.backlog();
        long byCap = config.inboxCap() - l.inbox;
        return (int) Math.max(0, Math.min(byThreshold, byCap));
    }

    /** Smallest backlog among nodes with room; ties broken round robin from the last pick. */
    private String chooseTarget(List<String> live, Map<String, Load> loads) {
        int size = live.size();
        String best = null;
        long bestBacklog = Long.MAX_VALUE;
        int bestIndex = -1;
        for (int k = 0; k < size; k++) {
            int idx = (roundRobin + k) % size;
            String node = live.get(idx);
            Load l = loads.get(node);
            if (room(l) > 0 && l.backlog() < bestBacklog) {
                best = node;
                bestBacklog = l.backlog();
                bestIndex = idx;
            }
        }
        if (best != null) {
            roundRobin = (bestIndex + 1) % size;
        }
        return best;
    }

    private void notifyNodes(Map<String, List<String>> assigned) {
        for (Map.Entry<String, List<String>> e : assigned.entrySet()) {
            try {
                notifier.tasksAssigned(e.getKey(), List.copyOf(e.getValue()));
            } catch (RuntimeException ex) {
                // Never retried: the node polls its inbox anyway.
                LOG.debug("Notifying {} failed; it will find its tasks by polling: {}", e.getKey(), ex.toString());
            }
        }
    }

    /** @return tasks dispatched since start */
    public long dispatched() {
        return dispatched.get();
    }

    /** @return moves that lost the race since start (a rising count is an early warning of split brain) */
    public long lostRaces() {
        return lostRaces.get();
    }

    /** @return eligible tasks the last tick could not place, counted up to 1,000 beyond its room */
    public int lastUnplaceable() {
        return lastUnplaceable;
    }

    /** @return in-flight tasks the leader's duplicate index holds now (tests); read on the tick's thread only */
    int inFlightTasks() {
        return inFlight.taskCount();
    }

    /** Stops ticking and waits (bounded) for the owned thread. Does not close the gate. Idempotent. */
    @Override
    public void close() {
        periodic.close();
    }

    /** An eligible pending task and its file identities ({@link InFlightIndex#NO_FILES} if unreadable). */
    private record Candidate(TaskRef ref, long[] keys) {
    }

    /** Per-node counts during one tick; the tick's thread only. */
    private static final class Load {
        long inbox;
        final long running;

        Load(long inbox, long running) {
            this.inbox = inbox;
            this.running = running;
        }

        long backlog() {
            return inbox + running;
        }
    }

    /** Builds a {@link TaskDispatcher}. Not thread-safe. */
    public static final class Builder {
        private TaskStore store;
        private Membership membership;
        private LeaderGate gate;
        private Notifier notifier;
        private DispatchConfig config;
        private Clock clock;
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
         * @param v which nodes are alive (required)
         * @return this
         */
        public Builder membership(Membership v) {
            this.membership = v;
            return this;
        }

        /**
         * @param v the leader gate shared with the reclaimer (required)
         * @return this
         */
        public Builder gate(LeaderGate v) {
            this.gate = v;
            return this;
        }

        /**
         * @param v told once per node per tick; default {@link Notifier#NONE}
         * @return this
         */
        public Builder notifier(Notifier v) {
            this.notifier = v;
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
         * @param v wall clock for eligibility times; default UTC system clock
         * @return this
         */
        public Builder clock(Clock v) {
            this.clock = v;
            return this;
        }

        /**
         * @param v the host's scheduler to tick on; default an owned {@code migrate-dispatcher-N} thread
         * @return this
         */
        public Builder scheduler(ScheduledExecutorService v) {
            this.scheduler = v;
            return this;
        }

        /**
         * @return the dispatcher, not started
         * @throws io.migrate.error.ConfigurationException if a required part is missing
         */
        public TaskDispatcher build() {
            return new TaskDispatcher(this);
        }
    }
}
