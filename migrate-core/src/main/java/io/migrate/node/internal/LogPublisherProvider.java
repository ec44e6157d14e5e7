package io.migrate.node.internal;

import io.migrate.config.Settings;
import io.migrate.node.spi.PublisherProvider;
import io.migrate.result.LoggingResultPublisher;
import io.migrate.result.ResultPublisher;

/** {@code publisher.type=log}: results to the SLF4J logger {@code publisher.log.logger}. */
public final class LogPublisherProvider implements PublisherProvider {
    /** ServiceLoader constructor. */
    public LogPublisherProvider() {
    }

    @Override
    public String type() {
        return "log";
    }

    @Override
    public ResultPublisher create(Settings settings, String nodeId) {
        return settings.optional("log.logger").map(LoggingResultPublisher::new).orElseGet(LoggingResultPublisher::new);
    }
}
