package io.migrate.result;

import io.migrate.error.ErrorCode;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.MoveOutcome;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts finished tasks into {@code done/} the way a worker does (submit, inbox, running,
 * complete), through the {@link TaskStore} SPI only. Every third task has one failed file, so
 * results mix outcomes. Shared with other modules' tests through the {@code migrate-core}
 * test-jar.
 */
public final class FinishedTasks {
    private FinishedTasks() {
    }

    /**
     * @param store the store
     * @param node the node that "executed" them
     * @param count how many
     * @return the tasks, all now in {@code done/} with a committed result
     */
    public static List<MigrationTask> finish(TaskStore store, String node, int count) {
        store.registerNode(node);
        List<MigrationTask> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            MigrationTask task = MigrationTask.builder().sourceRoot("/src")
                    .addFile("dir/a-" + i + ".dat", "bucket/a-" + i)
                    .addFile("dir/b-" + i + ".dat", "bucket/b-" + i)
                    .attribute("requestId", "req-" + i)
                    .build();
            finish(store, node, task, result(task, node, i % 3 == 0));
            tasks.add(task);
        }
        return tasks;
    }

    /**
     * Moves one task through the worker's transitions and commits its result.
     *
     * @param store the store
     * @param node the node
     * @param task the task
     * @param result its result
     */
    public static void finish(TaskStore store, String node, MigrationTask task, TaskResult result) {
        TaskRef pending = store.submit(task);
        require(store.move(pending, TaskState.INBOX, node));
        TaskRef inbox = store.find(task.id()).orElseThrow();
        require(store.move(inbox, TaskState.RUNNING, node));
        TaskRef running = store.find(task.id()).orElseThrow();
        require(store.complete(running, result));
    }

    /**
     * @param task the task
     * @param node the node
     * @param withFailedFile whether the second file failed (QUOTA_EXCEEDED)
     * @return a result with one entry per file
     */
    public static TaskResult result(MigrationTask task, String node, boolean withFailedFile) {
        List<FileResult> files = new ArrayList<>();
        for (int i = 0; i < task.files().size(); i++) {
            var e = task.files().get(i);
            boolean failed = withFailedFile && i == 1;
            files.add(failed
                    ? new FileResult(e.sourcePath(), e.targetKey(), FileOutcome.FAILED, ErrorCode.QUOTA_EXCEEDED,
                            "over quota", 0, null, Duration.ofMillis(3), 2)
                    : new FileResult(e.sourcePath(), e.targetKey(), FileOutcome.COPIED, null, null, 4096,
                            "crc32c:0badf00d", Duration.ofMillis(7), 1));
        }
        Instant start = Instant.parse("2026-11-25T08:00:00Z");
        return new TaskResult(task.id(), task.attempt(), "run-" + task.id().substring(task.id().length() - 6), node,
                start, start.plusSeconds(2), TaskResult.outcomeOf(files), null, null, files, null);
    }

    private static void require(MoveOutcome outcome) {
        if (outcome != MoveOutcome.MOVED) {
            throw new IllegalStateException("test setup lost a race: " + outcome);
        }
    }

    /**
     * Deletes the result side files of a task (layout 2: {@code records/<hour>/<id>/result~*.json}),
     * as damage by hand would.
     *
     * @param root the task root
     * @param taskId the task
     */
    static void deleteResultFiles(java.nio.file.Path root, String taskId) throws java.io.IOException {
        java.nio.file.Path dir = root.resolve("records").resolve(taskId.substring(0, 11)).resolve(taskId);
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) s::iterator) {
                if (p.getFileName().toString().startsWith("result~")) {
                    java.nio.file.Files.delete(p);
                }
            }
        }
    }
}
