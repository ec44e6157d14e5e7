package io.migrate.worker;

/**
 * What a {@link TaskExecutor} gets from the worker while it runs one task attempt.
 * Thread-safe: the executor may call it from all of its threads.
 */
public interface ExecutionContext {

    /** @return this node's id */
    String node();

    /** @return unique id of this execution (a re-run after a crash gets a new one) */
    String runId();

    /**
     * @return true once the task must stop (reclaimed from this node, node shutting down); the
     *     executor then stops within a bounded time, cleans up and returns or throws
     *     {@link io.migrate.error.MigrateException} with {@code CANCELLED}
     */
    boolean isCancelled();

    /**
     * Reports progress; the worker renews the task's lease from it (rate-limited).
     *
     * @param bytesDone bytes of the task done so far (never above the total, never counts a
     *     retried byte twice)
     * @param filesDone files finished so far
     */
    void progress(long bytesDone, int filesDone);
}
