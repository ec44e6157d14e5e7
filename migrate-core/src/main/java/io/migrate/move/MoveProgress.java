package io.migrate.move;

/**
 * A progress snapshot.
 *
 * @param taskId the task the change belongs to
 * @param taskBytesDone bytes of the task done (sent, or already at the target); at most
 *     {@code taskBytesTotal}
 * @param taskBytesTotal the task's bytes as measured when it started
 * @param taskFilesDone files of the task finished, whatever the outcome
 * @param taskFilesTotal files in the task
 * @param nodeBytesSent bytes this mover sent since it started, each range counted once
 * @param nodeFilesDone files this mover finished since it started
 */
public record MoveProgress(
        String taskId,
        long taskBytesDone,
        long taskBytesTotal,
        int taskFilesDone,
        int taskFilesTotal,
        long nodeBytesSent,
        long nodeFilesDone) {
}
