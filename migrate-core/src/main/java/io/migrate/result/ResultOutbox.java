package io.migrate.result;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.internal.Lifecycle;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.internal.Require;
import io.migrate.task.InvalidTaskException;
import io.migrate.task.MigrationTask;
import io.migrate.task.MoveOutcome;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Drains the outbox, {@code done/} and {@code failed/}: for each task that ended it reads the
 * committed result (every task in either directory has one, see {@link TaskStore#fail}),
 * {@linkplain ResultPublisher#publish publishes} it, tells the registered
 * {@linkplain #addListener listeners}, and then moves the task to {@code archive/}. It also
 * purges archived tasks older than the retention.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Never fewer results than tasks.</b> A task leaves {@code done/} or {@code failed/}
 *       only after its publisher returned, i.e. the result was durably accepted. A failed
 *       publication leaves it where it is; it is retried with exponential backoff (capped), and
 *       after a restart whatever is left is drained first. This holds for tasks that failed for
 *       any reason: rejected as invalid, unreadable (published with the id from the file name),
 *       attempts or reassignments exhausted.</li>
 *   <li><b>At least once, with a stable id.</b> A crash between publication and the move to
 *       {@code archive/} publishes the same result again after the restart, always with the same
 *       {@link TaskResult#resultId()}; consumers dedupe on it.</li>
 *   <li><b>Any node may drain.</b> Several outboxes (one per node) may drain the same
 *       {@code done/} at once. Two of them may publish the same task; that is one more
 *       at-least-once duplicate, harmless for the same reason. The move to {@code archive/} is
 *       the compare-and-swap that decides who archives: the loser sees
 *       {@link MoveOutcome#LOST_RACE} and counts it ({@link Stats#lostRaces()}).</li>
 *   <li><b>Each node publishes its own results first.</b> A result committed by another node
 *       is left to that node's outbox for {@code takeoverAfter} (default 30 s, judged on this
 *       outbox's own monotonic clock from the first time it saw the task), and published here
 *       only if it is still in {@code done/} then: results of a dead node, or of a node without
 *       an outbox, still go out, and with several live nodes a result is rarely published
 *       twice.</li>
 *   <li>A task file in {@code done/} whose committed result cannot be read is moved to
 *       {@code failed/} with the reason (and a derived result, published on the next pass); a
 *       task whose document is malformed but whose result is intact is published with a null
 *       task. Neither blocks the others.</li>
 * </ul>
 *
 * <h2>Backoff</h2>
 * After a failed publication the current pass stops (the publisher is probably unreachable, and
 * trying every other task would only wait out as many timeouts) and the outbox waits
 * {@code initialBackoff * 2^(n-1)}, capped at {@code maxBackoff}, where n counts consecutive
 * failed passes. The failed task itself is skipped for its own backoff, so one result the
 * publisher keeps refusing delays the others by at most one pause per retry of it.
 *
 * <h2>Order</h2>
 * A pass walks {@code done/} oldest first. After losing a race to another outbox it continues
 * from a random place in the rest of its list, so that the outboxes of several nodes spread
 * over the backlog rather than publishing every task twice in lockstep.
 *
 * <h2>Threads</h2>
 * {@link #start()} creates one thread, {@code migrate-outbox-N}, which owns the pass loop, the
 * failure counter and the purge schedule. Per-task backoff and counters are shared with callers
 * of {@link #drainOnce()} through concurrent structures. The publisher is called on that thread
 * (or the caller's, for {@link #drainOnce()}). The outbox does not close the store or the
 * publisher: the host closes the publisher after the outbox.
 */
public final class ResultOutbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultOutbox.class);

    private final TaskStore store;
    private final ResultPublisher publisher;
    private final String node;
    private final Duration pollInterval;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration archiveRetention;
    private final Duration purgeInterval;
    private final Duration closeTimeout;

    /**
     * Task id of another node's result to the nanoTime it was first seen in done/; entries leave
     * when the task is gone. Shared with {@link #drainOnce()} callers, hence concurrent.
     */
    private final Map<String, Long> foreignSince = new ConcurrentHashMap<>();
    private final Duration takeoverAfter;

    /** Called after each publication; copy-on-write: registration is rare, iteration constant. */
    private final List<ResultListener> listeners = new CopyOnWriteArrayList<>();
    /** Task id to its publication failures; entries leave on success or when the task is gone. */
    private final Map<String, Failures> failuresByTask = new ConcurrentHashMap<>();
    /** Permits = wake-up requests; the loop thread takes them all at once. */
    private final Semaphore wakeUps = new Semaphore(0);
    /** Counted down once by {@link #close()}, ends any wait of the loop thread. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicReference<Thread> thread = new AtomicReference<>();
    /** NEW → STARTED → CLOSED in one CAS (issue 17); {@link #closing} only wakes the loop's waits. */
    private final Lifecycle lifecycle = new Lifecycle("result outbox");

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong lostRaces = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong purged = new AtomicLong();

    private ResultOutbox(Builder b) {
        this.store = Require.nonNull("store", b.store);
        this.publisher = Require.nonNull("publisher", b.publisher);
        this.node = b.node;
        this.pollInterval = Require.positive("pollInterval", b.pollInterval);
        this.initialBackoff = Require.positive("initialBackoff", b.initialBackoff);
        this.maxBackoff = Require.positive("maxBackoff", b.maxBackoff);
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new ConfigurationException("maxBackoff",
                    "must be at least initialBackoff (" + initialBackoff + "), was " + maxBackoff);
        }
        this.archiveRetention = Require.positive("archiveRetention", b.archiveRetention);
        this.purgeInterval = Require.positive("purgeInterval", b.purgeInterval);
        this.closeTimeout = Require.positive("closeTimeout", b.closeTimeout);
        this.takeoverAfter = Require.nonNull("outbox.takeoverAfter", b.takeoverAfter);
        if (takeoverAfter.isNegative()) {
            throw new ConfigurationException("outbox.takeoverAfter", "must be zero or positive, was " + takeoverAfter);
        }
    }

    /** @return a builder with the defaults listed on its setters */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the drain thread. The first pass runs at once, so results left over from before a
     * restart go out first.
     *
     * A second call does nothing.
     *
     * @throws IllegalStateException if closed
     */
    public void start() {
        if (!lifecycle.start()) {
            return;
        }
        Thread t = new NamedThreadFactory("outbox").newThread(this::run);
        thread.set(t);
        t.start(); // if close() came in between, the loop sees closing counted down and ends
        LOG.info("Result outbox started on node {} (poll {}, backoff {}..{}, archive retention {})",
                node, pollInterval, initialBackoff, maxBackoff, archiveRetention);
    }

    /**
     * Asks the drain thread for a pass now (the worker calls it after committing a task) instead
     * of at the next poll. Ignored while the outbox backs off after a failure. Never blocks.
     */
    public void wakeUp() {
        wakeUps.release();
    }

    /**
     * Drains {@code done/} once on the caller's thread, skipping tasks still in their backoff,
     * and stops at the first failed publication. For hosts that schedule draining themselves and
     * for tests; safe to call while the drain thread runs (a task both publish is published twice
     * with the same result id, and archived once).
     *
     * @return how many tasks this call published and archived
     * @throws MigrateException with {@code TASK_STORE_IO} if the task root cannot be read
     */
    public int drainOnce() {
        return drainPass().archived;
    }

    /** @return counters since this outbox was built; thread-safe, each value read atomically */
    public Stats stats() {
        return new Stats(published.get(), lostRaces.get(), publishFailures.get(), rejected.get(), purged.get());
    }

    /**
     * Stops the drain thread: lets a publication in progress finish for up to the close timeout,
     * then interrupts it (the task stays in {@code done/}). Idempotent; does not close the store
     * or the publisher.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        closing.countDown();
        wakeUps.release();
        Thread t = thread.get();
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(closeTimeout.toMillis());
            if (t.isAlive()) {
                LOG.warn("Result outbox thread {} still busy after {}, interrupting it", t.getName(), closeTimeout);
                t.interrupt();
                t.join(closeTimeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Result outbox stopped on node {}: {}", node, stats());
    }

    // ---- the drain thread ----------------------------------------------------------------

    private void run() {
        putNode();
        long nextPurge = System.nanoTime();
        int failedPasses = 0; // owned by this thread
        while (closing.getCount() > 0) {
            boolean failed;
            try {
                failed = drainPass().failed;
            } catch (RuntimeException e) {
                LOG.warn("Result outbox pass failed, will retry: {}", e.toString());
                failed = true;
            }
            if (closing.getCount() == 0) {
                break;
            }
            if (System.nanoTime() - nextPurge >= 0) {
                purge();
                nextPurge = System.nanoTime() + purgeInterval.toNanos();
            }
            try {
                if (failed) {
                    failedPasses++;
                    Duration pause = backoff(failedPasses);
                    LOG.debug("Result outbox backing off {} after {} failed passes", pause, failedPasses);
                    // A wake-up must not shorten a backoff: a busy worker would hammer a broker that is down.
                    closing.await(pause.toNanos(), TimeUnit.NANOSECONDS);
                } else {
                    failedPasses = 0;
                    wakeUps.tryAcquire(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
                }
                wakeUps.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        MDC.remove("node");
    }

    private void purge() {
        try {
            int n = store.purgeArchive(archiveRetention);
            purged.addAndGet(n);
            if (n > 0) {
                LOG.debug("Purged {} archived tasks older than {}", n, archiveRetention);
            }
        } catch (RuntimeException e) {
            LOG.warn("Purging the archive failed, will retry in {}: {}", purgeInterval, e.toString());
        }
    }

    // ---- one pass, on whichever thread calls it ----------------------------------------------

    private record Pass(int archived, boolean failed) {
    }

    private Pass drainPass() {
        List<TaskRef> refs;
        try (Stream<TaskRef> done = store.list(TaskState.DONE)) {
            refs = new ArrayList<>(done.toList());
        }
        try (Stream<TaskRef> failed = store.list(TaskState.FAILED)) {
            failed.forEach(refs::add);
        }
        // Oldest first over both directories: names start with the id, which sorts by time.
        refs.sort(Comparator.comparing(TaskRef::fileName));
        int archived = 0;
        for (int i = 0; i < refs.size(); i++) {
            if (closing.getCount() == 0 || Thread.currentThread().isInterrupted()) {
                return new Pass(archived, false);
            }
            TaskRef ref = refs.get(i);
            Failures f = failuresByTask.get(ref.taskId());
            if (f != null && System.nanoTime() - f.notBefore < 0) {
                continue;
            }
            Long since = foreignSince.get(ref.taskId());
            if (since != null && System.nanoTime() - since < takeoverAfter.toNanos()) {
                continue;
            }
            Step step = drainTask(ref);
            if (step == Step.ARCHIVED) {
                archived++;
            } else if (step == Step.PUBLISH_FAILED) {
                return new Pass(archived, true);
            } else if (step == Step.LOST_RACE && refs.size() - i > 2) {
                // Another outbox drains the same list. Walking it in lockstep would publish
                // nearly every task twice: continue from a random place in the rest instead.
                List<TaskRef> rest = refs.subList(i + 1, refs.size());
                Collections.rotate(rest, -ThreadLocalRandom.current().nextInt(rest.size()));
            }
        }
        // Forget backoff of tasks that left done/ some other way (another node archived them).
        Set<String> listed = new HashSet<>();
        refs.forEach(r -> listed.add(r.taskId()));
        failuresByTask.keySet().retainAll(listed);
        foreignSince.keySet().retainAll(listed);
        return new Pass(archived, false);
    }

    private enum Step { ARCHIVED, LOST_RACE, PUBLISH_FAILED, REJECTED, LEFT_TO_OWNER }

    private Step drainTask(TaskRef ref) {
        MDC.put("task", ref.taskId());
        try {
            MigrationTask task = null;
            InvalidTaskException unreadable = null;
            Optional<TaskResult> result = Optional.empty();
            try {
                Optional<StoredTask> read = store.read(ref);
                if (read.isEmpty()) {
                    return lost(ref);
                }
                task = read.get().task();
                result = read.get().result();
            } catch (InvalidTaskException e) {
                unreadable = e; // its committed result, if any, is still published
            }
            if (result.isEmpty()) {
                result = store.result(ref);
            }
            if (result.isEmpty()) {
                if (ref.state() != TaskState.DONE) {
                    return lost(ref); // failed/ always yields a result unless the file moved
                }
                if (unreadable != null) {
                    return reject(ref, unreadable.code(), "unreadable task file in done/: " + unreadable.getMessage());
                }
                return reject(ref, ErrorCode.MISSING_FIELD, "task in done/ has no committed result");
            }
            if (isForeignAndYoung(ref.taskId(), result.get())) {
                return Step.LEFT_TO_OWNER;
            }
            try {
                publisher.publish(task, result.get());
            } catch (RuntimeException e) {
                publishFailures.incrementAndGet();
                Failures f = failuresByTask.compute(ref.taskId(), (id, old) -> {
                    int n = old == null ? 1 : old.count + 1;
                    return new Failures(n, System.nanoTime() + backoff(n).toNanos());
                });
                LOG.warn("Publishing result {} failed ({} times), it stays in {}/: {}",
                        result.get().resultId(), f.count, ref.state().directoryName(), e.toString());
                if (e.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return Step.PUBLISH_FAILED;
            }
            failuresByTask.remove(ref.taskId());
            notifyListeners(task, result.get());
            MoveOutcome moved = store.move(ref, TaskState.ARCHIVED, null);
            if (moved == MoveOutcome.MOVED) {
                published.incrementAndGet();
                LOG.info("Published result {} ({}{}) and archived the task from {}/", result.get().resultId(),
                        result.get().outcome(), result.get().code() == null ? "" : " " + result.get().code(),
                        ref.state().directoryName());
                return Step.ARCHIVED;
            }
            lostRaces.incrementAndGet();
            LOG.info("Published result {} but another outbox archived the task first (duplicate publication)",
                    result.get().resultId());
            return Step.LOST_RACE;
        } finally {
            MDC.remove("task");
        }
    }

    private Step lost(TaskRef ref) {
        lostRaces.incrementAndGet();
        LOG.debug("Task {} left {}/ before it was read (another outbox drained it)", ref.taskId(),
                ref.state().directoryName());
        return Step.LOST_RACE;
    }

    private void notifyListeners(MigrationTask task, TaskResult result) {
        for (ResultListener l : listeners) {
            try {
                l.onResult(task, result);
            } catch (RuntimeException e) {
                LOG.warn("Result listener {} threw on result {}; ignored", l, result.resultId(), e);
            }
        }
    }

    /**
     * Registers a listener told of every result this outbox publishes, after the publisher
     * accepted it; see {@link ResultListener} for threads and what a throw does. May be called
     * at any time, from any thread.
     *
     * @param listener the listener
     * @return removes it again
     */
    public ResultListener.Registration addListener(ResultListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Remembers when another node's result was first seen; true while its owner has time left. */
    private boolean isForeignAndYoung(String taskId, TaskResult result) {
        if (node == null || result.node() == null || result.node().equals(node) || takeoverAfter.isZero()) {
            return false;
        }
        long now = System.nanoTime();
        long since = foreignSince.computeIfAbsent(taskId, id -> now);
        return now - since < takeoverAfter.toNanos();
    }

    private Step reject(TaskRef ref, ErrorCode code, String message) {
        LOG.warn("Moving task {} from done/ to failed/: {} {}", ref.taskId(), code, message);
        if (store.fail(ref, code, message, null) == MoveOutcome.MOVED) {
            rejected.incrementAndGet();
        } else {
            lostRaces.incrementAndGet();
        }
        failuresByTask.remove(ref.taskId());
        return Step.REJECTED;
    }

    private Duration backoff(int failures) {
        int shift = Math.min(failures - 1, 30);
        long nanos = initialBackoff.toNanos();
        long max = maxBackoff.toNanos();
        return Duration.ofNanos(nanos > (max >> shift) ? max : Math.min(max, nanos << shift));
    }

    private void putNode() {
        if (node != null) {
            MDC.put("node", node);
        }
    }

    private record Failures(int count, long notBefore) {
    }

    /**
     * Counters of an outbox.
     *
     * @param published results published and archived by this outbox (from done/ and failed/)
     * @param lostRaces tasks another outbox took first (read or archived before this one); each
     *     may mean one duplicate publication
     * @param publishFailures publications that failed (each left its task in {@code done/})
     * @param rejected unreadable tasks or tasks without a result moved to {@code failed/}
     * @param purged archived tasks removed after the retention
     */
    public record Stats(long published, long lostRaces, long publishFailures, long rejected, long purged) {
    }

    /** Builds a {@link ResultOutbox}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private TaskStore store;
        private ResultPublisher publisher;
        private String node;
        private Duration pollInterval = Duration.ofSeconds(2);
        private Duration takeoverAfter = Duration.ofSeconds(30);
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(1);
        private Duration archiveRetention = Duration.ofDays(7);
        private Duration purgeInterval = Duration.ofHours(1);
        private Duration closeTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * @param store the task store whose {@code done/} is drained (required)
         * @return this
         */
        public Builder store(TaskStore store) {
            this.store = store;
            return this;
        }

        /**
         * @param publisher where results go (required)
         * @return this
         */
        public Builder publisher(ResultPublisher publisher) {
            this.publisher = publisher;
            return this;
        }

        /**
         * @param node this node's id, put in the log context (optional)
         * @return this
         */
        public Builder node(String node) {
            this.node = node;
            return this;
        }

        /**
         * @param pollInterval how often {@code done/} is listed when nothing wakes the outbox;
         *     default 2 s
         * @return this
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * @param initialBackoff pause after the first failed publication; default 1 s
         * @return this
         */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        /**
         * @param maxBackoff cap of the doubling pause; at least {@code initialBackoff}; default 1 min
         * @return this
         */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /**
         * @param archiveRetention how long archived tasks are kept before they are purged;
         *     default 7 days
         * @return this
         */
        public Builder archiveRetention(Duration archiveRetention) {
            this.archiveRetention = archiveRetention;
            return this;
        }

        /**
         * @param purgeInterval how often the archive is purged; default 1 h
         * @return this
         */
        public Builder purgeInterval(Duration purgeInterval) {
            this.purgeInterval = purgeInterval;
            return this;
        }

        /**
         * @param takeoverAfter how long a result committed by another node is left to that
         *     node's outbox before this one publishes it; default 30 s; zero publishes at once
         *     (every outbox drains everything, more duplicates)
         * @return this
         */
        public Builder takeoverAfter(Duration takeoverAfter) {
            this.takeoverAfter = takeoverAfter;
            return this;
        }

        /**
         * @param closeTimeout how long {@link ResultOutbox#close()} lets a publication finish
         *     before interrupting it, and then waits again; default 30 s
         * @return this
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /**
         * @return the outbox, not started
         * @throws io.migrate.error.ConfigurationException naming the first invalid setting
         */
        public ResultOutbox build() {
            return new ResultOutbox(this);
        }
    }
}
