package io.migrate.result;

import io.migrate.task.MigrationTask;

/**
 * Publishes a finished task's result (Kafka in {@code migrate-kafka}; a logging publisher in
 * core). Called by the {@code ResultOutbox} for each task in {@code done/} before archiving it.
 *
 * <p>Delivery is at least once: after a crash the same result may be published again, always
 * with the same {@link TaskResult#resultId()}. An implementation returns only once the result is
 * durably accepted, and throws otherwise (the task stays in {@code done/} and is retried).
 *
 * <p>Implementations must be thread-safe.
 */
public interface ResultPublisher extends AutoCloseable {

    /**
     * @param task the task
     * @param result its committed result
     * @throws io.migrate.error.MigrateException with {@code PUBLISH_FAILED} when not accepted
     */
    void publish(MigrationTask task, TaskResult result);

    /** Flushes and releases resources. Idempotent. */
    @Override
    default void close() {
    }
}
