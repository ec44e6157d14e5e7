package io.migrate.task;

/** What happened to a task as a whole. */
public enum TaskOutcome {
    /** Every file succeeded (copied or skipped as identical). */
    SUCCEEDED,
    /** Some files failed; a retry task carries the retryable ones unless attempts ran out. */
    PARTIALLY_FAILED,
    /** Every file failed. */
    FAILED,
    /** The task itself was invalid and nothing was attempted; see {@link TaskResult#code()}. */
    REJECTED
}
