package io.migrate.result;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.slf4j.LoggerFactory;

/**
 * {@link ResultPublisherContract} against {@link LoggingResultPublisher}: the destination is the
 * log, one logger per test, read back through a list appender. It holds nothing open, so a
 * publish after close still logs ({@link #refusesAfterClose()} false).
 */
class LoggingResultPublisherContractTest extends ResultPublisherContract {
    private static final Pattern RESULT_LINE = Pattern.compile("^Result (\\S+) of task ");

    private Logger logger;
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @Override
    protected ResultPublisher newPublisher() {
        String name = "results-contract-" + UUID.randomUUID();
        logger = (Logger) LoggerFactory.getLogger(name);
        logger.setLevel(Level.INFO);
        events.start();
        logger.addAppender(events);
        return new LoggingResultPublisher(name);
    }

    @Override
    protected List<String> publishedResultIds() {
        synchronized (events) { // AppenderBase.doAppend appends under the appender's monitor
            return List.copyOf(events.list).stream().map(ILoggingEvent::getFormattedMessage).map(RESULT_LINE::matcher)
                    .filter(Matcher::find).map(m -> m.group(1)).collect(Collectors.toList());
        }
    }

    @Override
    protected boolean refusesAfterClose() {
        return false;
    }

    @AfterEach
    void detach() {
        if (logger != null) {
            logger.detachAppender(events);
        }
    }
}
