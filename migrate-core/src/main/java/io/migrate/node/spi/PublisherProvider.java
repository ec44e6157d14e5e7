package io.migrate.node.spi;

import io.migrate.config.Settings;
import io.migrate.result.ResultPublisher;

/**
 * Builds the {@link ResultPublisher} named by {@code publisher.type}. Found through
 * {@link java.util.ServiceLoader}; {@code log} ships in core, {@code kafka} in
 * {@code migrate-kafka}. Implementations are stateless and thread-safe.
 */
public interface PublisherProvider {
    /** @return the {@code publisher.type} value this provider answers to */
    String type();

    /**
     * @param settings the {@code publisher.*} view
     * @param nodeId the node that publishes (for client ids)
     * @return a new publisher, owned by the caller
     * @throws io.migrate.error.ConfigurationException naming the bad key
     */
    ResultPublisher create(Settings settings, String nodeId);
}
