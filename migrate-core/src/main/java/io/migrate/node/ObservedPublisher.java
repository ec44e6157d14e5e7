package io.migrate.node;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.result.ResultPublisher;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wraps the host's publisher to remember how its last attempt went, for
 * {@link MigrationNode#health()}; everything else is passed through unchanged. Thread-safe: the
 * state is one immutable record swapped atomically by the outbox thread(s).
 */
final class ObservedPublisher implements ResultPublisher {
    /** The latest outcome; {@code since} changes only when {@code ok} does. */
    record Last(boolean ok, Instant since, ErrorCode code, String error) {
    }

    private final ResultPublisher delegate;
    private final Clock clock;
    private final AtomicReference<Last> last = new AtomicReference<>(new Last(true, null, null, null));

    ObservedPublisher(ResultPublisher delegate, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "publisher");
        this.clock = clock;
    }

    ResultPublisher delegate() {
        return delegate;
    }

    Last last() {
        return last.get();
    }

    @Override
    public void publish(MigrationTask task, TaskResult result) {
        try {
            delegate.publish(task, result);
        } catch (RuntimeException e) {
            ErrorCode code = e instanceof MigrateException me ? me.code() : ErrorCode.PUBLISH_FAILED;
            Instant now = clock.instant();
            last.updateAndGet(l -> new Last(false, l.ok() || l.since() == null ? now : l.since(), code,
                    e.getMessage() == null ? e.toString() : e.getMessage()));
            throw e;
        }
        Instant now = clock.instant();
        last.updateAndGet(l -> l.ok() && l.since() != null ? l : new Last(true, now, l.code(), l.error()));
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
