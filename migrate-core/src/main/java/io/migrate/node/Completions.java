package io.migrate.node;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.internal.Periodic;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes the futures of {@link MigrationNode#submit} and {@link MigrationNode#result(String)}
 * with the final result of a request: the task asked for, or the last retry it led to.
 *
 * <h2>Where results come from</h2>
 * The task root, never the memory of the backend that ran the task: every
 * {@link #pollInterval} (and at once when {@link #wakeUp()} is called) each watched task is
 * looked up with {@link TaskStore#find}; once it is in {@code done/}, {@code failed/} or
 * {@code archive/} its committed result is read with {@link TaskStore#result}. A result with a
 * retry task moves the watch to the retry; a {@linkplain TaskResult#isFinal() final} one
 * completes the future. Results this node's own outbox publishes are handed in directly
 * ({@link #offer}), which saves the wait for the next look-up. So any node sharing the task root
 * can wait for any task, and a host that restarted asks again with the id.
 *
 * <h2>Cost</h2>
 * One {@code find} per watched task per poll: keep the number of futures in flight in the
 * thousands, not millions (a host with more outstanding tasks consumes the Kafka topic instead).
 *
 * <h2>Threads</h2>
 * One thread, {@code migrate-results-N}, owns the polling; {@link #offer} runs on the caller's
 * (the outbox) thread. Futures complete on one of those two threads, so dependent stages
 * attached with the non-async methods run there: use the {@code *Async} variants for anything
 * slow. The map of watches is concurrent; a watch moves to its retry with a compare-and-set.
 */
final class Completions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Completions.class);
    /** Look-ups that must miss in a row before a task counts as unknown (it may be mid-rename). */
    private static final int MISSES_BEFORE_UNKNOWN = 3;

    private final TaskStore store;
    private final Duration pollInterval;
    /** Watched task id (the request's current task) to its watch. */
    private final Map<String, Watch> byTask = new ConcurrentHashMap<>();
    /** The polling thread ({@code migrate-results-N}), its trigger and the one lifecycle state. */
    private final Periodic poller;

    /** The future of one request, and how often its current task was not found. */
    private static final class Watch {
        final CompletableFuture<TaskResult> future = new CompletableFuture<>();
        int misses; // only the polling thread touches it
    }

    Completions(TaskStore store, Duration pollInterval) {
        this.store = store;
        this.pollInterval = pollInterval;
        this.poller = new Periodic("results", pollInterval, this::pollSafely, null);
        poller.start();
    }

    /**
     * @param taskId a task id (a request's first task, or any retry of it)
     * @return a new future (a copy: completing or cancelling it touches no other caller's)
     *     completing with the final result of that task and its retries
     */
    CompletableFuture<TaskResult> watch(String taskId) {
        if (poller.isClosed()) {
            return CompletableFuture.failedFuture(new IllegalStateException("node closed"));
        }
        Watch w = byTask.computeIfAbsent(taskId, id -> new Watch());
        wakeUp();
        return w.future.copy();
    }

    /** Looks at every watched task soon, on the polling thread. Never blocks. */
    void wakeUp() {
        poller.trigger();
    }

    /** A result this node just published: resolves a watch on it without reading the task root. */
    void offer(TaskResult result) {
        Watch w = byTask.get(result.taskId());
        if (w != null) {
            advance(result.taskId(), w, result);
        }
    }

    private void pollSafely() {
        try {
            for (Map.Entry<String, Watch> e : byTask.entrySet()) {
                if (poller.isClosed()) {
                    return;
                }
                check(e.getKey(), e.getValue());
            }
        } catch (RuntimeException e) {
            LOG.warn("Looking up results failed; next poll in {} tries again: {}", pollInterval, e.toString());
        }
    }

    private void check(String taskId, Watch w) {
        Optional<TaskRef> ref = store.find(taskId);
        if (ref.isEmpty()) {
            if (++w.misses >= MISSES_BEFORE_UNKNOWN && byTask.remove(taskId, w)) {
                w.future.completeExceptionally(new MigrateException(ErrorCode.TASK_NOT_FOUND,
                        "task " + taskId + " is not on the task root (never submitted, or archived and purged)"));
            }
            return;
        }
        w.misses = 0;
        TaskState s = ref.get().state();
        if (s != TaskState.DONE && s != TaskState.FAILED && s != TaskState.ARCHIVED) {
            return;
        }
        // done/ without a readable result is failed by the outbox; the next look-up sees that.
        store.result(ref.get()).ifPresent(r -> advance(taskId, w, r));
    }

    /** Completes on a final result, else moves the watch to the retry and looks at it at once. */
    private void advance(String taskId, Watch w, TaskResult r) {
        if (r.isFinal()) {
            if (byTask.remove(taskId, w)) {
                w.future.complete(r);
            }
            return;
        }
        Watch existing = byTask.putIfAbsent(r.retryTaskId(), w);
        if (existing != null && existing != w) {
            // Someone already waits on the retry itself: one future follows the other.
            existing.future.whenComplete((v, t) -> {
                if (t != null) {
                    w.future.completeExceptionally(t);
                } else {
                    w.future.complete(v);
                }
            });
        }
        if (byTask.remove(taskId, w)) {
            LOG.debug("Task {} is followed by retry {}; waiting for that", taskId, r.retryTaskId());
            wakeUp();
        }
    }

    /** Stops polling; futures not yet complete fail with {@code CANCELLED} (ask again after a restart). */
    @Override
    public void close() {
        if (!poller.stop()) { // bounded wait, see Executors2.STOP_WAIT
            return;
        }
        MigrateException closing = new MigrateException(ErrorCode.CANCELLED,
                "node closed before the result arrived; ask again with MigrationNode.result(id)");
        byTask.values().forEach(w -> w.future.completeExceptionally(closing));
        byTask.clear();
    }
}
