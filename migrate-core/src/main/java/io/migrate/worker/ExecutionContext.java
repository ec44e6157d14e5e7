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
     * Re-checks, now, that this run still owns its task: by run id (the worker's execution of the
     * task is this one, not an older or newer run of the same task id) and at the task root (the
     * task is still in this node's {@code running/}). Costs one look at the task root; the mover
     * calls it immediately before every data commit and after a commit conflict, and commits nothing
     * for a run that no longer owns its task ({@code SUPERSEDED}).
     *
     * <p>The default answers {@code !isCancelled()}, for contexts without a task root (tests,
     * direct use of the mover).
     *
     * @return false once this run may have lost its task to another run
     */
    default boolean stillOwned() {
        return !isCancelled();
    }

    /**
     * Starts this run's part ledger of one file of the task (the mover's resume state of a large
     * file, opaque here): a journal whose header names the upload, replacing any journal this run
     * started for the file before. The worker keeps it with the task on the task root
     * ({@link io.migrate.task.TaskStore#startLedger}), so a later run of the task, on any node, can
     * resume the upload. Called by mover threads, at most one at a time per file.
     *
     * @param file the file's index in the task
     * @param header the header record
     * @return whether it was stored; the default stores nothing (no resume)
     */
    default boolean startLedger(int file, byte[] header) {
        return false;
    }

    /**
     * Appends finished parts' records, in one write, to the journal this run started for the file
     * ({@link #startLedger}; {@link io.migrate.task.TaskStore#appendLedger}). Called by mover
     * threads, at most one at a time per file.
     *
     * @param file the file's index in the task
     * @param records the records
     * @return whether they were stored; the default stores nothing
     */
    default boolean appendLedger(int file, java.util.List<byte[]> records) {
        return false;
    }

    /**
     * Every run's ledger journal of one file of the task ({@link #startLedger}), to resume from
     * (this run's too, if it started one). A ledger is a hint: the mover verifies every part it
     * names before it skips sending it.
     *
     * @param file the file's index in the task
     * @return the journals, each up to its last complete record; the default has none
     */
    default java.util.List<io.migrate.task.TaskStore.Ledger> ledgers(int file) {
        return java.util.List.of();
    }

    /**
     * Reports progress; the worker renews the task's lease from it (rate-limited).
     *
     * @param bytesDone bytes of the task done so far (never above the total, never counts a
     *     retried byte twice)
     * @param filesDone files finished so far
     */
    void progress(long bytesDone, int filesDone);
}
