package io.migrate.node;

import io.migrate.task.TaskResult;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A submitted task, in the style of the Kafka producer's {@code send} and the SDK transfer
 * manager's {@code Upload}: the id at once (the task is durable in {@code pending/}), and a
 * future that completes with the request's <em>final</em> result: the task's own when no retry
 * follows, else the result of the last retry (the future follows {@link TaskResult#retryTaskId()}
 * for the host). See {@link MigrationNode#result(String)} for where results come from, the
 * threads that complete the future and what makes it fail.
 *
 * <pre>{@code
 * TaskHandle h = node.submit("/exports/projects", files, Map.of("request", requestId));
 * TaskResult r = h.result().get(10, TimeUnit.MINUTES);
 * System.out.println(h.taskId() + " " + r.outcome() + " " + r.countsByCode());
 * }</pre>
 *
 * <p>Immutable and thread-safe; cancelling the future stops nothing but this wait.
 *
 * @param taskId the submitted task's id (the request's root: retries carry it as
 *     {@code rootTaskId})
 * @param result completes with the final result of the task and its retries
 */
public record TaskHandle(String taskId, CompletableFuture<TaskResult> result) {
    /** Checks for nulls. */
    public TaskHandle {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(result, "result");
    }
}
