package io.migrate.result;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingResultPublisherTest {

    @Test
    void logsTheTaskOutcomeAndEveryFailedFileWithItsCode() {
        Logger logger = (Logger) LoggerFactory.getLogger("results-under-test");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        logger.setLevel(Level.INFO);
        try {
            MigrationTask task = MigrationTask.builder().sourceRoot("/src").addFile("a", "ka").addFile("b", "kb").build();
            TaskResult result = FinishedTasks.result(task, "node-a", true);
            new LoggingResultPublisher("results-under-test").publish(task, result);

            List<String> lines = events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).contains(task.resultId(), "PARTIALLY_FAILED", "2 files (1 failed)");
            assertThat(lines.get(1)).contains(task.resultId(), "b -> kb", "FAILED", "QUOTA_EXCEEDED");
        } finally {
            logger.detachAppender(events);
        }
    }
}
