package io.migrate.result;

import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;

/**
 * Publishes the result of every task that ends (Kafka in {@code migrate-kafka}; a logging
 * publisher in core). Called by the {@code ResultOutbox} for each task in {@code done/} and in
 * {@code failed/} before archiving it.
 *
 * <p>Delivery is at least once: after a crash the same result may be published again, always
 * with the same {@link TaskResult#resultId()}. An implementation returns only once the result is
 * durably accepted, and throws otherwise (the task stays in {@code done/} and is retried).
 *
 * <p>Implementations must be thread-safe.
 */
public interface ResultPublisher extends AutoCloseable {

    /**
     * @param task the task, or null when its file cannot be parsed (a {@link TaskOutcome#REJECTED}
     *     result whose task id comes from the file name)
     * @param result its committed result
     * @throws io.migrate.error.MigrateException with {@code PUBLISH_FAILED} when not accepted
     */
    void publish(MigrationTask task, TaskResult result);

    /** Flushes and releases resources. Idempotent. */
    @Override
    default void close() {
    }
}
