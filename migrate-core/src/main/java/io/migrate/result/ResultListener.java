package io.migrate.result;

import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;

/**
 * An in-process consumer of results, registered beside the {@link ResultPublisher} (for example
 * with {@code MigrationNode.onResult}); several may be registered at once.
 *
 * <p>A listener is told of every result <em>this node's</em> {@link ResultOutbox} publishes,
 * right after the publisher accepted it: results of tasks that finished in {@code done/} and of
 * tasks that ended in {@code failed/}. Like the publisher it sees a result at least once: the
 * same {@link TaskResult#resultId()} may come again (after a restart, or when two outboxes
 * publish the same task); dedupe on it. Results other nodes publish reach their own listeners;
 * to wait for one task wherever it runs, use the future of {@code MigrationNode.submit} or
 * {@code MigrationNode.result(id)}, which read the task root.
 *
 * <p>Threads: called on the outbox thread ({@code migrate-outbox-N}), one result at a time, in
 * registration order. Return quickly: the outbox publishes nothing else meanwhile. A listener
 * that throws is logged at WARN and otherwise ignored: the result counts as published (the
 * publisher accepted it), the other listeners are still called, and the listener stays
 * registered.
 */
@FunctionalInterface
public interface ResultListener {

    /**
     * @param task the task, or null when its file cannot be parsed (then the result is
     *     {@link TaskOutcome#REJECTED} with the task id taken from the file name)
     * @param result the committed result, as published
     */
    void onResult(MigrationTask task, TaskResult result);

    /** Removes a registered listener. */
    interface Registration extends AutoCloseable {
        /** Stops calls to the listener (a call in progress finishes). Idempotent. */
        @Override
        void close();
    }
}
