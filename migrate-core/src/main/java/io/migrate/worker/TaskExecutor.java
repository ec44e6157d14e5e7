package io.migrate.worker;

import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;

/**
 * Executes one task attempt on a backend. The {@code ParallelFileMover} plugs in here; tests
 * use simple executors.
 *
 * <p>Per-file failures are part of the result, not exceptions. An exception means the attempt
 * as a whole could not run (cancelled, a bug); the worker then leaves the task for retry.
 */
@FunctionalInterface
public interface TaskExecutor {

    /**
     * @param task the task (already validated)
     * @param context node, run id, cancellation and progress
     * @return the result with one {@link io.migrate.task.FileResult} per file, in order
     * @throws InterruptedException if the worker thread is interrupted (node shutting down)
     */
    TaskResult execute(MigrationTask task, ExecutionContext context) throws InterruptedException;
}
