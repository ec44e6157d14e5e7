package io.migrate.node.spi;

import io.migrate.config.Settings;
import io.migrate.transport.Transport;

/**
 * Builds the {@link Transport} named by {@code transport.type} in a node's configuration.
 * Found through {@link java.util.ServiceLoader}; {@code posix} ships in core, {@code s3} in
 * {@code migrate-s3}. Implementations are stateless and thread-safe.
 */
public interface TransportProvider {
    /** @return the {@code transport.type} value this provider answers to */
    String type();

    /**
     * @param settings the {@code transport.*} view (keys relative to {@code transport.})
     * @return a new transport, owned by the caller
     * @throws io.migrate.error.ConfigurationException naming the bad key
     */
    Transport create(Settings settings);
}
