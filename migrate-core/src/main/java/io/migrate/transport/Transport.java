package io.migrate.transport;

import java.util.List;

/**
 * Transport SPI: writes files to a destination (an S3 store, a POSIX directory) through one or
 * more endpoints. The mover opens one {@link TransportSession} per mover thread and spreads
 * threads over {@link #endpoints()}.
 *
 * <p>Implementations: {@link io.migrate.transport.posix.PosixTransport} in core, the S3
 * transport in {@code migrate-s3}. Thread-safety: {@code Transport} methods are thread-safe;
 * sessions are not.
 */
public interface Transport extends AutoCloseable {

    /** @return what this transport can do */
    TransportCapabilities capabilities();

    /** @return ids of the destination endpoints, at least one (immutable) */
    List<String> endpoints();

    /**
     * Opens a connection to an endpoint.
     *
     * @param endpointId one of {@link #endpoints()}
     * @return a new session, owned by the caller
     * @throws TransportException if the endpoint cannot be reached
     */
    TransportSession openSession(String endpointId);

    /**
     * Checks an endpoint (S3: HeadBucket; POSIX: the directory is writable). Called by the
     * mover's heartbeat; blocks at most the transport's timeout.
     *
     * @param endpointId the endpoint
     * @throws TransportException if it is not healthy
     */
    void checkHealth(String endpointId);

    /** Releases every connection and thread. Idempotent. */
    @Override
    void close();
}
