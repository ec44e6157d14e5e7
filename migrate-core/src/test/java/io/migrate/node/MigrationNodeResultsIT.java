package io.migrate.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.config.Settings;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.result.FinishedTasks;
import io.migrate.task.FileEntry;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The completion API on real nodes sharing one task root: handles and futures (also on a node
 * that did not run the task, and after a "restart" by asking again), listeners beside the
 * publisher, status with outcome.
 */
class MigrationNodeResultsIT {
    private static final long WAIT_S = 60;

    @TempDir
    Path dir;

    private Map<String, String> properties(String nodeId, String roles) {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", nodeId);
        p.put("node.roles", roles);
        p.put("task.root", dir.resolve("root").toString());
        p.put("ha.type", "static");
        p.put("ha.static.leader", "node-1");
        p.put("transport.type", "posix");
        p.put("transport.posix.root", dir.resolve("dest").toString());
        p.put("mover.allowedSourceRoots", dir.resolve("src").toString());
        return p; // every timing at its default: the future must not depend on short ticks
    }

    private MigrationNode node(String id, String roles) {
        return NodeConfiguration.fromSettings(Settings.of(properties(id, roles))).build();
    }

    @Test
    void submitReturnsAHandleWhoseFutureCompletesWithTheOutcomeAndEveryListenerHearsIt() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dest"));
        Files.writeString(src.resolve("a.txt"), "hello");
        Queue<TaskResult> first = new ConcurrentLinkedQueue<>();
        Queue<TaskResult> second = new ConcurrentLinkedQueue<>();
        try (MigrationNode node = node("node-1", "manager,backend")) {
            node.onResult((task, r) -> {
                throw new IllegalStateException("a broken listener (test)");
            });
            node.onResult((task, r) -> first.add(r));
            node.onResult((task, r) -> second.add(r));
            node.start();

            TaskHandle ok = node.submit(src.toString(), List.of(new FileEntry("a.txt", "out/a.txt")), Map.of("req", "1"));
            TaskHandle missing = node.submit(src.toString(), List.of(new FileEntry("nope.txt", "out/nope.txt")), Map.of());

            TaskResult okResult = ok.result().get(WAIT_S, TimeUnit.SECONDS);
            assertThat(okResult.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(okResult.isFinal()).isTrue();
            TaskResult missingResult = missing.result().get(WAIT_S, TimeUnit.SECONDS);
            assertThat(missingResult.outcome()).isEqualTo(TaskOutcome.FAILED);
            assertThat(missingResult.countsByCode()).containsEntry(ErrorCode.SOURCE_NOT_FOUND, 1L);
            assertThat(Files.readString(dir.resolve("dest/out/a.txt"))).isEqualTo("hello");

            await().atMost(Duration.ofSeconds(WAIT_S)).untilAsserted(() -> {
                assertThat(first).extracting(TaskResult::taskId).contains(ok.taskId(), missing.taskId());
                assertThat(second).extracting(TaskResult::taskId).contains(ok.taskId(), missing.taskId());
            });
            TaskStatusView.TaskStatus status = await().atMost(Duration.ofSeconds(WAIT_S))
                    .until(() -> node.status().status(ok.taskId()).orElseThrow(), s -> s.state() == TaskState.ARCHIVED);
            assertThat(status.attempt()).isEqualTo(1);
            assertThat(status.outcome()).contains(TaskOutcome.SUCCEEDED);
            assertThat(status.toString()).contains("ARCHIVED", "attempt 1", "SUCCEEDED", "final");
            assertThat(node.status().status(missing.taskId()).orElseThrow().countsByCode())
                    .containsEntry(ErrorCode.SOURCE_NOT_FOUND, 1L);
        }
    }

    @Test
    void anotherNodeAndARestartedHostLearnTheResultFromTheTaskRoot() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dest"));
        Files.writeString(src.resolve("b.txt"), "bytes");
        String id;
        try (MigrationNode node = node("node-1", "manager,backend")) {
            node.start();
            id = node.submit(src.toString(), List.of(new FileEntry("b.txt", "out/b.txt")), Map.of()).taskId();
            node.result(id).get(WAIT_S, TimeUnit.SECONDS);
        }
        // A manager-only node that never ran anything: it reads the result from the task root.
        try (MigrationNode manager = node("node-2", "manager")) {
            manager.start();
            TaskResult again = manager.result(id).get(WAIT_S, TimeUnit.SECONDS);
            assertThat(again.taskId()).isEqualTo(id);
            assertThat(again.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThatThrownBy(() -> manager.onResult((t, r) -> { })).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theFutureFollowsRetriesToTheFinalResult() throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dest"));
        try (MigrationNode node = node("node-2", "manager")) {
            // Attempt 1 in done/ points at its retry; the retry ended in failed/ (attempts exhausted).
            MigrationTask attempt1 = MigrationTask.builder().sourceRoot("/src").addFile("x", "y").build();
            String retryId = TaskIds.newId(attempt1.createdAt().plusSeconds(30));
            TaskResult partial = FinishedTasks.result(attempt1, "node-1", false);
            node.store().registerNode("node-1");
            FinishedTasks.finish(node.store(), "node-1", attempt1, new TaskResult(partial.taskId(), 1, partial.runId(),
                    "node-1", partial.startedAt(), partial.finishedAt(), TaskOutcome.FAILED, null, null, partial.files(),
                    retryId));
            MigrationTask retry = attempt1.toBuilder().id(retryId).attempt(2).parentTaskId(attempt1.id())
                    .rootTaskId(attempt1.id()).build();
            TaskRef pending = node.store().submit(retry);
            node.start();

            var future = node.result(attempt1.id());
            assertThat(future).isNotDone();
            node.store().fail(pending, ErrorCode.MAX_ATTEMPTS_EXCEEDED, "2 attempts", null);

            TaskResult last = future.get(WAIT_S, TimeUnit.SECONDS);
            assertThat(last.taskId()).isEqualTo(retryId);
            assertThat(last.isFinal()).isTrue();
            assertThat(last.code()).isEqualTo(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        }
    }

    @Test
    void anUnknownIdFailsWithTaskNotFound() {
        try (MigrationNode node = node("node-2", "manager")) {
            node.start();
            assertThatThrownBy(() -> node.result(TaskIds.newId(java.time.Instant.now())).get(WAIT_S, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(MigrateException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.TASK_NOT_FOUND));
        }
    }
}
