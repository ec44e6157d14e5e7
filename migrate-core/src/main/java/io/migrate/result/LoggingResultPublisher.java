package io.migrate.result;

import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ResultPublisher} that writes each result to the log: one INFO line per task, one
 * INFO line per failed file (with its {@link io.migrate.error.ErrorCode}), DEBUG lines for the
 * other files. For hosts without a message broker (the demo uses it) and for tests.
 *
 * <p>It never fails, so with it the {@link ResultOutbox} archives every task it drains: the log
 * is then the only record of the results. Thread-safe and stateless.
 */
public final class LoggingResultPublisher implements ResultPublisher {
    private final Logger log;

    /** Logs to the logger named after this class. */
    public LoggingResultPublisher() {
        this(LoggerFactory.getLogger(LoggingResultPublisher.class));
    }

    /**
     * @param loggerName the SLF4J logger to write to, so a host can route results apart
     * @throws io.migrate.error.ConfigurationException if the name is blank
     */
    public LoggingResultPublisher(String loggerName) {
        this(LoggerFactory.getLogger(io.migrate.internal.Require.nonBlank("loggerName", loggerName)));
    }

    private LoggingResultPublisher(Logger log) {
        this.log = log;
    }

    /** Logs the result; never throws. */
    @Override
    public void publish(MigrationTask task, TaskResult result) {
        long failed = result.files().stream().filter(f -> !f.succeeded()).count();
        log.info("Result {} of task {}: {}{} on node {}, {} files ({} failed), {} bytes, {}, attributes {}",
                result.resultId(), result.taskId(), result.outcome(),
                result.code() == null ? "" : " " + result.code(), result.node(),
                result.files().size(), failed, result.bytes(), result.isFinal() ? "final" : "retry " + result.retryTaskId(),
                task == null ? "(task unreadable)" : task.attributes());
        for (FileResult f : result.files()) {
            if (f.succeeded()) {
                log.debug("Result {}: {} -> {} {} {} bytes {}", result.resultId(), f.sourcePath(), f.targetKey(),
                        f.outcome(), f.bytes(), f.checksum());
            } else {
                log.info("Result {}: {} -> {} FAILED {} ({})", result.resultId(), f.sourcePath(), f.targetKey(),
                        f.code(), f.message());
            }
        }
    }
}
