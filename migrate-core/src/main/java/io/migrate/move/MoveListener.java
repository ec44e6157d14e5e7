package io.migrate.move;

import io.migrate.task.FileResult;

/**
 * Receives progress from a {@link ParallelFileMover}. Called on mover threads, possibly
 * concurrently: implementations must be thread-safe and return quickly (they delay the copy).
 * An exception thrown by a listener is logged and ignored.
 */
public interface MoveListener {

    /**
     * Progress after a range was acknowledged or a file finished.
     *
     * @param progress a snapshot; never above 100% of the task, retried bytes counted once
     */
    default void onProgress(MoveProgress progress) {
    }

    /**
     * A file of a task finished (copied, skipped or failed).
     *
     * @param taskId the task
     * @param result the file's result
     */
    default void onFileDone(String taskId, FileResult result) {
    }

    /** A listener that ignores everything. */
    MoveListener NONE = new MoveListener() {
    };
}
