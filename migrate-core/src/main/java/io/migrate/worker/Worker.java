package io.migrate.worker;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.ha.spi.Membership;
import io.migrate.internal.Lifecycle;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.internal.Periodic;
import io.migrate.internal.Require;
import io.migrate.task.FileEntry;
import io.migrate.task.FileResult;
import io.migrate.task.InvalidTaskException;
import io.migrate.task.MigrationTask;
import io.migrate.task.MoveOutcome;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The backend side: executes the tasks assigned to one node.
 *
 * <p>The control loop (thread {@code migrate-worker-N}, every
 * {@link WorkerConfig#pollInterval()} and at once on {@link #wakeUp()}):
 * <ol>
 *   <li>calls {@link Membership#heartbeat()} at least every heartbeat interval;</li>
 *   <li>for each running execution, every lease-renew interval: renews the lease if the task
 *       made progress since the last renewal, otherwise only checks the file is still there
 *       (so a task that makes no progress ages and the leader can reclaim it as stalled); a
 *       vanished file means this node lost the task: the execution is cancelled and nothing is
 *       published for it;</li>
 *   <li>resumes every task in its own {@code running/} that it is not executing (after a
 *       restart), then claims inbox tasks by rename ({@code inbox -> running}) up to
 *       {@link WorkerConfig#concurrency()} executions.</li>
 * </ol>
 * Each execution (threads {@code migrate-worker-exec-N}) reads and validates the task (a
 * malformed one goes to failed/ with its code; a hand-made second copy of a task id that has
 * already ended, or runs on another node, goes to the store's quarantine instead of running: see
 * {@link TaskStore#copies}), runs it through the {@link TaskExecutor},
 * creates a retry task for the files that failed with a retryable code (only those files,
 * {@code attempt + 1}, eligible after an exponential backoff, {@code parentTaskId} and
 * {@code rootTaskId} set; straight to failed/ with {@link ErrorCode#MAX_ATTEMPTS_EXCEEDED} and
 * the request's final result beyond the max attempts),
 * durably, and only then commits the result with {@link TaskStore#complete}. If the commit finds
 * the running file gone, the result is dropped: the node was presumed dead and someone else owns
 * the task now. An executor that throws leaves the task in {@code running/} untouched: its lease
 * ages and the leader reclaims it as stalled, which counts as a failed attempt.
 *
 * <p>Ownership is by run id, not by path. Every execution gets a fresh run id; the worker keeps its
 * executions by run id and, per task id, the one execution that may act for the task. A claim of
 * a task id that already has an execution here is <em>refused</em>: the task stays in the inbox
 * until the old execution has ended. That case arises when the leader reclaimed a task from this
 * node while it was presumed dead (paused) and dispatched it straight back: the old execution's
 * running file is gone, so its next lease check cancels it (within one lease-renew interval plus
 * the mover's cancel timeout), and the next poll claims the task afresh under a new run id. The old
 * execution can therefore never complete, renew or commit data for the new one, even though the
 * task's file returns to the same path. (Cancelling the old execution first would need the claim
 * to wait for it anyway: refusing is the same wait without blocking the poll.)
 * {@link ExecutionContext#stillOwned()} is the check by run id that the mover makes immediately
 * before every data commit.
 *
 * <p>Thread-safety: public methods may be called from any thread. The executions are two
 * concurrent maps (by run id, and the current one per task id) written by the control loop (add)
 * and by the executions themselves (remove, after their file left {@code running/}).
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final String node;
    private final TaskStore store;
    private final TaskExecutor taskExecutor;
    private final Membership membership;
    private final WorkerConfig config;
    private final Clock clock;
    private final LongSupplier nanoTicker;
    private final Executor executions;
    private final ExecutorService ownedExecutions;
    private final Periodic loop;
    /** Serialises poll runs (owned loop, wakeUp, pollOnce from a host). */
    private final ReentrantLock pollLock = new ReentrantLock();
    private final Runnable afterExecution;

    /** Executions by run id: added by the poll, removed by the execution when it ended. */
    private final Map<String, Execution> active = new ConcurrentHashMap<>();
    /**
     * The execution that acts for each task id: at most one, added by the poll together with
     * {@link #active}, removed (only by itself) when it ends. A claim of a task id present here is refused.
     */
    private final Map<String, Execution> byTask = new ConcurrentHashMap<>();
    /** Tasks left in running/ after their executor threw; not resumed by this instance (the leader reclaims them). */
    private final Set<String> parked = ConcurrentHashMap.newKeySet();
    /** Tasks whose file the store could not read (I/O error) at the last attempt: warned once, retried quietly. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastHeartbeatNanos = new AtomicLong(Long.MIN_VALUE);
    private final Lifecycle lifecycle;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong lostOwnership = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    private Worker(Builder b) {
        this.node = Require.nonBlank("worker.node", b.node);
        this.store = Require.nonNull("store", b.store);
        this.taskExecutor = Require.nonNull("taskExecutor", b.taskExecutor);
        this.membership = b.membership;
        this.config = b.config == null ? WorkerConfig.defaults() : b.config;
        this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
        this.nanoTicker = b.nanoTicker == null ? System::nanoTime : b.nanoTicker;
        if (b.executionExecutor == null) {
            this.ownedExecutions = Executors.newFixedThreadPool(config.concurrency(), new NamedThreadFactory("worker-exec"));
            this.executions = ownedExecutions;
        } else {
            this.ownedExecutions = null;
            this.executions = b.executionExecutor;
        }
        this.loop = new Periodic("worker", config.pollInterval(), this::pollOnce, null);
        this.lifecycle = new Lifecycle("worker " + node);
        this.afterExecution = b.afterExecution == null ? () -> { } : b.afterExecution;
    }

    /** @return a builder; node, store and task executor are required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return this node's id */
    public String node() {
        return node;
    }

    /**
     * Registers the node's directories and starts the control loop, which first resumes this
     * node's running and inbox tasks. A second call does nothing.
     *
     * @throws IllegalStateException if the worker was closed
     */
    public void start() {
        if (!lifecycle.start()) {
            return;
        }
        store.registerNode(node);
        LOG.info("Worker {} starting: {}", node, config);
        loop.start();
    }

    /**
     * The notification hook: polls the inbox soon instead of at the next poll interval. Cheap,
     * never blocks; wire a {@link io.migrate.dispatch.Notifier} transport to it.
     */
    public void wakeUp() {
        loop.trigger();
    }

    /**
     * Runs one control-loop pass on the calling thread (hosts that drive the worker themselves,
     * tests); normally the owned thread does this. Does nothing once closed.
     */
    public void pollOnce() {
        if (lifecycle.isClosed() || !pollLock.tryLock()) {
            return;
        }
        MDC.put("node", node);
        try {
            long now = nanoTicker.getAsLong();
            heartbeatIfDue(now);
            maintainLeases(now);
            resumeRunning();
            claimFromInbox();
        } catch (MigrateException e) {
            LOG.warn("Worker {} poll failed; next poll tries again: {}: {}", node, e.code(), e.getMessage());
        } finally {
            polls.incrementAndGet();
            MDC.remove("node");
            pollLock.unlock();
        }
    }

    private void heartbeatIfDue(long now) {
        long last = lastHeartbeatNanos.get();
        if (membership != null && (last == Long.MIN_VALUE || now - last >= config.heartbeatInterval().toNanos())
                && lastHeartbeatNanos.compareAndSet(last, now)) {
            membership.heartbeat();
        }
    }

    private void maintainLeases(long now) {
        for (Execution e : active.values()) {
            if (now - e.lastRenewNanos.get() < config.leaseRenewInterval().toNanos()) {
                continue;
            }
            if (e.progressed.get()) {
                e.renewLease(now);
            } else if (!e.cancelled.get() && store.leaseRenewedAt(e.ref).isEmpty() && !e.committing.get()) {
                e.lose("running file gone at lease check");
            }
        }
    }

    private void resumeRunning() {
        List<TaskRef> mine = new ArrayList<>();
        try (Stream<TaskRef> s = store.list(TaskState.RUNNING, node)) {
            s.forEach(mine::add);
        }
        if (!parked.isEmpty()) {
            // forget parked tasks the leader has taken back meanwhile
            Set<String> present = new HashSet<>();
            mine.forEach(r -> present.add(r.taskId()));
            parked.retainAll(present);
        }
        if (!unreadable.isEmpty()) {
            Set<String> present = new HashSet<>();
            mine.forEach(r -> present.add(r.taskId()));
            unreadable.retainAll(present);
        }
        for (TaskRef ref : mine) {
            if (active.size() >= config.concurrency() || lifecycle.isClosed()) {
                return;
            }
            if (!byTask.containsKey(ref.taskId()) && !parked.contains(ref.taskId())) {
                if (!unreadable.contains(ref.taskId())) {
                    LOG.info("Resuming task {} found in running/ of {}", ref.taskId(), node);
                }
                try {
                    startExecution(ref);
                } catch (MigrateException e) {
                    LOG.warn("Task {} not resumed this poll: {}: {}", ref.taskId(), e.code(), e.getMessage());
                }
            }
        }
    }

    private void claimFromInbox() {
        if (active.size() >= config.concurrency()) {
            return;
        }
        List<TaskRef> inbox = new ArrayList<>();
        try (Stream<TaskRef> s = store.list(TaskState.INBOX, node)) {
            s.limit(config.concurrency() * 4L).forEach(inbox::add);
        }
        for (TaskRef ref : inbox) {
            if (active.size() >= config.concurrency() || lifecycle.isClosed()) {
                return;
            }
            Execution old = byTask.get(ref.taskId());
            if (old != null) {
                // Reclaimed from us while we looked dead and dispatched straight back: the old run
                // must end (its lease check finds its running file gone) before a new run starts.
                // DEBUG: repeated every poll until the old run ends; that run's loss is logged at WARN
                LOG.debug("Task {} is back in the inbox while run {} still executes it; claimed once that run ends",
                        ref.taskId(), old.runId);
                continue;
            }
            try {
                if (store.move(ref, TaskState.RUNNING, node) == MoveOutcome.MOVED) {
                    LOG.debug("Claimed task {}", ref.taskId());
                    startExecution(new TaskRef(ref.taskId(), TaskState.RUNNING, node, ref.fileName()));
                } else {
                    LOG.debug("Task {} left the inbox before it could be claimed", ref.taskId());
                }
            } catch (MigrateException e) {
                // One entry that cannot be moved must not keep the others waiting behind it.
                LOG.warn("Task {} not claimed this poll: {}: {}", ref.taskId(), e.code(), e.getMessage());
            }
        }
    }

    /** On the poll thread: reads the task and hands it to an execution thread. */
    private void startExecution(TaskRef ref) {
        MDC.put("task", ref.taskId());
        try {
            Optional<MigrationTask> stored;
            try {
                // the task document only: its history (other hosts' side files) is not needed to run it
                stored = store.readTask(ref);
            } catch (InvalidTaskException e) {
                reject(ref, e.code(), e.getMessage());
                return;
            } catch (MigrateException e) {
                // One file that cannot be read must not stop this poll from serving the others. It
                // stays where it is: a lease that never renews is reclaimed by the leader as stalled.
                if (unreadable.add(ref.taskId())) {
                    LOG.warn("Task {} cannot be read; skipped until it can: {}: {}", ref.taskId(), e.code(), e.getMessage());
                }
                return;
            }
            unreadable.remove(ref.taskId());
            if (stored.isEmpty()) {
                return; // moved away meanwhile (reclaimed): not ours any more
            }
            MigrationTask task = stored.get();
            if (yieldsToAnotherCopy(ref)) {
                return;
            }
            if (task.attempt() > config.maxAttempts()) {
                String why = "attempt " + task.attempt() + " is beyond the maximum " + config.maxAttempts();
                Instant now = clock.instant();
                store.fail(ref, ErrorCode.MAX_ATTEMPTS_EXCEEDED, why, TaskResult.ended(task.id(), task.attempt(),
                        task.files(), node, now, TaskOutcome.FAILED, ErrorCode.MAX_ATTEMPTS_EXCEEDED, why));
                return;
            }
            Execution exec = new Execution(ref, task, UUID.randomUUID().toString(), nanoTicker.getAsLong());
            if (byTask.putIfAbsent(ref.taskId(), exec) != null) {
                return; // only the poll adds, one poll at a time: an execution appeared meanwhile is a bug
            }
            active.put(exec.runId, exec);
            try {
                executions.execute(exec::run);
            } catch (RejectedExecutionException e) {
                active.remove(exec.runId);
                byTask.remove(ref.taskId(), exec);
                LOG.debug("Execution of {} rejected (shutting down); left in running/ for resume", ref.taskId());
            }
        } finally {
            MDC.remove("task");
        }
    }

    /**
     * A second copy of a task id (written by hand, restored from a backup) must not run and publish
     * a second result: this copy steps aside, into the store's quarantine, when the id has already
     * ended (done, archive, failed) or runs on a node whose id sorts first. Two copies claimed at
     * once on two nodes both run until the leader's sweep keeps the first by node name; the other
     * run then finds its file gone and publishes nothing.
     */
    private boolean yieldsToAnotherCopy(TaskRef ref) {
        for (TaskRef other : store.copies(ref.taskId())) {
            boolean ahead = switch (other.state()) {
                case DONE, ARCHIVED, FAILED -> true;
                case RUNNING -> other.node() != null && other.node().compareTo(node) < 0;
                default -> false;
            };
            if (ahead && !other.equals(ref)) {
                String where = other.node() == null ? other.state().directoryName()
                        : "nodes/" + other.node() + "/" + other.state().directoryName();
                store.reject(ref, ErrorCode.DUPLICATE_TASK_ID, "the same task id is in " + where + "/");
                LOG.warn("Task {} not run: another copy of it is in {}/; this copy moved to the quarantine",
                        ref.taskId(), where);
                return true;
            }
        }
        return false;
    }

    private void reject(TaskRef ref, ErrorCode code, String message) {
        Instant now = clock.instant();
        // The task cannot be read, so neither its attempt nor its files: the id comes from the name.
        TaskResult result = TaskResult.ended(ref.taskId(), 1, List.of(), node, now, TaskOutcome.REJECTED, code, message);
        if (store.fail(ref, code, message, result) == MoveOutcome.MOVED) {
            rejected.incrementAndGet();
            LOG.info("Task {} rejected: {}", ref.taskId(), message);
        }
    }

    private void afterExecution() {
        try {
            afterExecution.run();
        } catch (RuntimeException e) {
            LOG.warn("afterExecution hook threw; ignored", e);
        }
    }

    /** @return control-loop passes (polls of running/ and the inbox) finished so far */
    public long polls() {
        return polls.get();
    }

    /** @return tasks this worker committed to done/ */
    public long completed() {
        return completed.get();
    }

    /** @return executions stopped because their running file was gone (reclaimed while presumed dead) */
    public long lostOwnership() {
        return lostOwnership.get();
    }

    /** @return tasks moved to failed/ as invalid */
    public long rejected() {
        return rejected.get();
    }

    /** @return ids of tasks executing now (snapshot; one entry per task, its current run) */
    public Set<String> executing() {
        return Set.copyOf(byTask.keySet());
    }

    /** @return run ids of the executions running now, including ones that lost their task and are stopping */
    public Set<String> executingRuns() {
        return Set.copyOf(active.keySet());
    }

    /**
     * Stops claiming, cancels running executions (their files stay in {@code running/} and are
     * resumed at the next start, or reclaimed if this node stays down), and waits up to
     * {@link WorkerConfig#shutdownTimeout()} for the owned threads. Idempotent.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        loop.close();
        for (Execution e : active.values()) {
            e.cancelled.set(true);
        }
        if (ownedExecutions != null) {
            ownedExecutions.shutdown();
            try {
                long half = config.shutdownTimeout().toMillis() / 2;
                if (!ownedExecutions.awaitTermination(half, TimeUnit.MILLISECONDS)) {
                    ownedExecutions.shutdownNow();
                    if (!ownedExecutions.awaitTermination(half, TimeUnit.MILLISECONDS)) {
                        LOG.warn("Worker {}: executions did not stop within {}", node, config.shutdownTimeout());
                    }
                }
            } catch (InterruptedException e) {
                ownedExecutions.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("Worker {} stopped", node);
    }

    /** One attempt of one task on this node. */
    private final class Execution implements ExecutionContext {
        final TaskRef ref;
        final MigrationTask task;
        final String runId;
        final AtomicLong lastRenewNanos;
        final AtomicBoolean progressed = new AtomicBoolean();
        final AtomicBoolean cancelled = new AtomicBoolean();
        final AtomicBoolean lost = new AtomicBoolean();
        /** Set while the result is being committed: the file legitimately leaves running/. */
        final AtomicBoolean committing = new AtomicBoolean();

        Execution(TaskRef ref, MigrationTask task, String runId, long startNanos) {
            this.ref = ref;
            this.task = task;
            this.runId = runId;
            this.lastRenewNanos = new AtomicLong(startNanos);
        }

        @Override
        public String node() {
            return node;
        }

        @Override
        public String runId() {
            return runId;
        }

        @Override
        public boolean isCancelled() {
            return cancelled.get();
        }

        /**
         * This run is the task's current execution here and has not lost it, and the task is still
         * in this node's {@code running/} (one look at the task root, so a reclaim is seen at once).
         */
        @Override
        public boolean stillOwned() {
            if (lost.get() || byTask.get(task.id()) != this) {
                return false;
            }
            if (committing.get() || store.leaseRenewedAt(ref).isPresent()) {
                return true;
            }
            lose("running file gone at the ownership check before a data commit");
            return false;
        }

        /** Ledgers live with the task on the task root, named by this run: see {@link TaskStore#startLedger}. */
        @Override
        public boolean startLedger(int file, byte[] header) {
            return store.startLedger(task.id(), runId, file, header);
        }

        @Override
        public boolean appendLedger(int file, List<byte[]> records) {
            return store.appendLedger(task.id(), runId, file, records);
        }

        @Override
        public List<TaskStore.Ledger> ledgers(int file) {
            return store.ledgers(task.id(), file);
        }

        @Override
        public void progress(long bytesDone, int filesDone) {
            progressed.set(true);
            long now = nanoTicker.getAsLong();
            heartbeatIfDue(now);
            if (now - lastRenewNanos.get() >= config.leaseRenewInterval().toNanos()) {
                renewLease(now);
            }
        }

        /** Any thread; at most one renewal per interval wins the CAS. */
        void renewLease(long now) {
            long last = lastRenewNanos.get();
            if (!lastRenewNanos.compareAndSet(last, now)) {
                return;
            }
            progressed.set(false);
            if (!cancelled.get() && !committing.get() && !store.touchLease(ref) && !committing.get()) {
                lose("running file gone at lease renewal");
            }
        }

        void lose(String why) {
            if (lost.compareAndSet(false, true)) {
                cancelled.set(true);
                lostOwnership.incrementAndGet();
                LOG.warn("Task {} no longer owned by {} ({}): stopping it, publishing nothing", task.id(), node, why);
            }
        }

        void run() {
            MDC.put("node", node);
            MDC.put("task", task.id());
            Instant startedAt = clock.instant();
            try {
                TaskResult result;
                try {
                    result = taskExecutor.execute(task, this);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    LOG.info("Task {} interrupted (worker stopping); left in running/ for resume", task.id());
                    return;
                } catch (RuntimeException e) {
                    if (!cancelled.get()) {
                        parked.add(task.id());
                        LOG.warn("Executor failed on task {}; left in running/ for the leader to reclaim as stalled",
                                task.id(), e);
                    }
                    return;
                }
                if (cancelled.get() || result == null) {
                    return; // lost (publish nothing) or shutting down (resumed later)
                }
                finish(startedAt, result);
            } catch (MigrateException e) {
                LOG.warn("Committing task {} failed; it stays in running/ and is resumed: {}: {}", task.id(), e.code(),
                        e.getMessage());
            } finally {
                active.remove(runId);
                byTask.remove(task.id(), this);
                MDC.remove("task");
                MDC.remove("node");
                if (!lifecycle.isClosed()) {
                    wakeUp();
                    afterExecution();
                }
            }
        }

        private void finish(Instant startedAt, TaskResult raw) {
            List<FileResult> retryable = new ArrayList<>();
            for (FileResult f : raw.files()) {
                if (!f.succeeded() && f.code() != null && f.code().retryable()) {
                    retryable.add(f);
                }
            }
            String retryId = null;
            if (!retryable.isEmpty()) {
                // Do not leave a retry behind for a task that is no longer ours.
                if (!store.touchLease(ref)) {
                    lose("running file gone before creating the retry");
                    return;
                }
                retryId = submitRetry(retryable);
            } else {
                // An earlier run of this task (one whose commit was lost, then resumed) may have
                // submitted a retry already: that retry carries the request on, so this result is
                // not the final one and names it.
                retryId = store.retryId(task.id()).orElse(null);
            }
            TaskOutcome outcome = raw.files().isEmpty() ? raw.outcome() : TaskResult.outcomeOf(raw.files());
            TaskResult result = new TaskResult(task.id(), task.attempt(), runId, node,
                    raw.startedAt() == null ? startedAt : raw.startedAt(),
                    raw.finishedAt() == null ? clock.instant() : raw.finishedAt(),
                    outcome, raw.code(), raw.message(), raw.files(), retryId);
            committing.set(true);
            if (store.complete(ref, result) == MoveOutcome.MOVED) {
                completed.incrementAndGet();
                LOG.info("Task {} attempt {} done: {}", task.id(), task.attempt(), outcome);
            } else {
                lose("running file gone at commit");
            }
        }

        private String submitRetry(List<FileResult> failedFiles) {
            int next = task.attempt() + 1;
            Instant now = clock.instant();
            Instant eligible = now.plus(config.backoffAfter(task.attempt()));
            List<FileEntry> entries = new ArrayList<>();
            for (FileResult f : failedFiles) {
                entries.add(new FileEntry(f.sourcePath(), f.targetKey()));
            }
            // The same id for every run of this task: a run that crashed after submitting the retry
            // and before committing its own result is run again, and must not leave a second retry.
            String retryId = store.retryIdFor(task.id(), TaskIds.newId(eligible));
            MigrationTask retry = task.toBuilder()
                    .id(retryId)
                    .createdAt(now)
                    .attempt(next)
                    .files(entries)
                    .parentTaskId(task.id())
                    .rootTaskId(task.rootTaskId())
                    .build();
            TaskRef retryRef;
            try {
                retryRef = store.submit(retry);
            } catch (MigrateException e) {
                if (e.code() != ErrorCode.TASK_ID_EXISTS) {
                    throw e;
                }
                // An earlier run of this task submitted it (and, past the last attempt, the claim of
                // that retry fails it with MAX_ATTEMPTS_EXCEEDED): nothing more to do for it here.
                LOG.info("Task {}: retry {} was already submitted by an earlier run of this task", task.id(), retryId);
                return retryId;
            }
            if (next > config.maxAttempts()) {
                // The retry's result is the request's final one: each file with the code it failed
                // with on the last attempt, the task-level code saying why nothing follows.
                String why = failedFiles.size() + " files still failing after " + task.attempt() + " attempts";
                List<FileResult> last = new ArrayList<>();
                for (FileResult f : failedFiles) {
                    last.add(new FileResult(f.sourcePath(), f.targetKey(), f.outcome(), f.code(), f.message(), 0,
                            null, Duration.ZERO, 0));
                }
                store.fail(retryRef, ErrorCode.MAX_ATTEMPTS_EXCEEDED, why, new TaskResult(retry.id(), next,
                        UUID.randomUUID().toString(), node, now, now, TaskOutcome.FAILED,
                        ErrorCode.MAX_ATTEMPTS_EXCEEDED, why, last, null));
                LOG.info("Task {}: {} files failed on the last attempt; retry {} recorded in failed/", task.id(),
                        failedFiles.size(), retry.id());
            } else {
                LOG.info("Task {}: {} files failed; retry {} (attempt {}) eligible at {}", task.id(),
                        failedFiles.size(), retry.id(), next, eligible);
            }
            return retry.id();
        }
    }

    /** Builds a {@link Worker}. Not thread-safe. */
    public static final class Builder {
        private String node;
        private TaskStore store;
        private TaskExecutor taskExecutor;
        private Membership membership;
        private WorkerConfig config;
        private Clock clock;
        private LongSupplier nanoTicker;
        private Executor executionExecutor;
        private Runnable afterExecution;

        private Builder() {
        }

        /**
         * @param v called on the execution's thread each time an execution ends (its task
         *     committed to done/, failed, lost or left for resume) while the worker is open: the
         *     node uses it to publish the result and dispatch again at once. Must not block; a
         *     throw is logged and ignored. Default none.
         * @return this
         */
        public Builder afterExecution(Runnable v) {
            this.afterExecution = v;
            return this;
        }

        /**
         * @param v this node's id (required)
         * @return this
         */
        public Builder node(String v) {
            this.node = v;
            return this;
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
         * @param v runs each task (required; the {@code ParallelFileMover}'s executor in production)
         * @return this
         */
        public Builder taskExecutor(TaskExecutor v) {
            this.taskExecutor = v;
            return this;
        }

        /**
         * @param v told of progress through {@link Membership#heartbeat()}; null for none
         * @return this
         */
        public Builder membership(Membership v) {
            this.membership = v;
            return this;
        }

        /**
         * @param v settings; default {@link WorkerConfig#defaults()}
         * @return this
         */
        public Builder config(WorkerConfig v) {
            this.config = v;
            return this;
        }

        /**
         * @param v wall clock for results and retry eligibility; default UTC system clock
         * @return this
         */
        public Builder clock(Clock v) {
            this.clock = v;
            return this;
        }

        /**
         * @param v monotonic nanoseconds for heartbeat and lease intervals; default {@code System::nanoTime}
         * @return this
         */
        public Builder nanoTicker(LongSupplier v) {
            this.nanoTicker = v;
            return this;
        }

        /**
         * @param v runs executions; default an owned pool of {@link WorkerConfig#concurrency()}
         *     threads named {@code migrate-worker-exec-N}. The caller owns a given executor.
         * @return this
         */
        public Builder executionExecutor(Executor v) {
            this.executionExecutor = v;
            return this;
        }

        /**
         * @return the worker, not started
         * @throws io.migrate.error.ConfigurationException if a required part is missing
         */
        public Worker build() {
            return new Worker(this);
        }
    }
}
