package io.migrate.move;

import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import io.migrate.worker.ExecutionContext;
import io.migrate.worker.TaskExecutor;
import java.util.Objects;

/**
 * Plugs a {@link ParallelFileMover} into the worker. The mover's lifecycle stays with the
 * caller (start it before the worker, close it after). Thread-safe.
 */
public final class MoverTaskExecutor implements TaskExecutor {
    private final ParallelFileMover mover;

    /** @param mover a started mover */
    public MoverTaskExecutor(ParallelFileMover mover) {
        this.mover = Objects.requireNonNull(mover, "mover");
    }

    /**
     * Moves the task's files; see {@link ParallelFileMover#move}.
     *
     * @throws io.migrate.error.MigrateException {@code CANCELLED} when the context is cancelled
     */
    @Override
    public TaskResult execute(MigrationTask task, ExecutionContext context) throws InterruptedException {
        return mover.move(task, context);
    }
}
