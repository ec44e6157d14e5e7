package io.migrate.transport.posix;

import io.migrate.error.ErrorCode;
import io.migrate.internal.Lifecycle;
import io.migrate.transport.Disposition;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.WriteMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A POSIX directory as the destination: a true offset+len transport ({@link WriteMode#RANDOM_OFFSET})
 * built on {@link java.nio.channels.FileChannel#write(java.nio.ByteBuffer, long)}, and, for local
 * source files, on an in-kernel copy ({@link TransportCapabilities#copiesLocalFiles()}, on by
 * default, see {@link PosixTransportConfig.Builder#copyLocalFiles}).
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Data goes to a hidden temporary file next to the target,
 *       {@code .<name>.<attemptToken>.migrate-tmp}, unique per attempt, pre-sized (sparse) to
 *       the file's size; ranges of zeros are not written, so sparse sources stay sparse.</li>
 *   <li>{@code copyRange} copies a range from the source file with {@code sendfile(2)} (the
 *       bytes never enter the JVM), skipping the zeros a range starts with (at 4 KiB
 *       granularity; a range in a hole is not written at all), and returns the CRC32C of what the
 *       temporary file then holds for the range, computed through a short-lived read-only
 *       mapping of the temporary file (released at once). Only the temporary file is ever mapped,
 *       never the source: a mapped file truncated by someone else crashes the JVM when read, and
 *       the temporary file's name is unique to the attempt, so only the mover writes it. Nothing
 *       else may truncate {@code *.migrate-tmp} files while a mover runs (no external clean-up of
 *       them; on NFS, no other client deleting them): where that cannot be ruled out, turn
 *       {@link PosixTransportConfig.Builder#copyLocalFiles} off. A source that ends before the range does fails the
 *       copy with PERMANENT {@code SOURCE_CHANGED}.</li>
 *   <li>{@code complete} checks the size and fsyncs the file; {@code commit} sets the mode and
 *       mtime from {@link io.migrate.transport.MetadataKeys#MODE} and
 *       {@link io.migrate.transport.MetadataKeys#MTIME_NANOS}, stores every metadata entry as a
 *       {@code user.<key>} extended attribute, then renames atomically to the final name
 *       (creating missing parents) and fsyncs the directory.</li>
 *   <li>Where the filesystem has no user extended attributes, metadata is not stored and
 *       {@code stat} reports only the file's mtime under {@code MTIME_NANOS}: a re-run then
 *       recognises a committed file by size and mtime only (weaker than the full fingerprint,
 *       which also has inode and ctime).</li>
 *   <li>Errors: {@code ENOSPC}/{@code EDQUOT} → PERMANENT {@code QUOTA_EXCEEDED}; permission
 *       denied or read-only filesystem → PERMANENT {@code ACCESS_DENIED}; a missing endpoint root,
 *       stale NFS handle or I/O error → FAILOVER; bad target keys → PERMANENT
 *       {@code INVALID_TARGET_KEY}; anything else → RETRY.</li>
 * </ul>
 *
 * <p>Several endpoints are several mount points of the same destination (NFS mounts through
 * different servers, say): a temporary key is relative, so an upload started through one
 * endpoint is continued through another after a failover.
 *
 * <p>Thread-safe; sessions are not (one per mover thread).
 */
public final class PosixTransport implements Transport {
    private static final TransportCapabilities CAPABILITIES =
            new TransportCapabilities(WriteMode.RANDOM_OFFSET, 1, Long.MAX_VALUE, Integer.MAX_VALUE, false);

    private final Map<String, Endpoint> endpoints;
    private final PosixTransportConfig config;
    private final boolean fsync;
    private final TransportCapabilities capabilities;
    /** Open from construction; {@link #close()} ends it (one state, one CAS; issue 17). */
    private final Lifecycle lifecycle = Lifecycle.started("POSIX transport");
    /** Shared by all sessions: copies into one temporary file take turns. */
    private final CopyLocks copyLocks = new CopyLocks();

    /** One mount point of the destination; {@code xattrs} flips to false on first ENOTSUP. */
    static final class Endpoint {
        final String id;
        final Path root;
        final AtomicBoolean xattrs = new AtomicBoolean(true);

        Endpoint(String id, Path root) {
            this.id = id;
            this.root = root;
        }
    }

    private PosixTransport(PosixTransportConfig config) {
        Map<String, Endpoint> m = new LinkedHashMap<>();
        config.endpoints().forEach((id, root) -> m.put(id, new Endpoint(id, root)));
        this.endpoints = java.util.Collections.unmodifiableMap(m);
        this.config = config;
        this.fsync = config.fsync();
        this.capabilities = CAPABILITIES.withCopiesLocalFiles(config.copyLocalFiles());
    }

    /**
     * The one way to make a POSIX transport, like every plug-in: {@code XTransport.create(XConfig)}.
     *
     * @param config the settings ({@link PosixTransportConfig#of(Path)} for one directory)
     * @return the transport; the caller closes it
     */
    public static PosixTransport create(PosixTransportConfig config) {
        return new PosixTransport(java.util.Objects.requireNonNull(config, "config"));
    }

    /** @return the settings it was made with */
    public PosixTransportConfig config() {
        return config;
    }

    @Override
    public TransportCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public List<String> endpoints() {
        return List.copyOf(endpoints.keySet());
    }

    /**
     * @param endpointId an endpoint
     * @return its root directory
     * @throws IllegalArgumentException for an unknown endpoint
     */
    public Path root(String endpointId) {
        return endpoint(endpointId).root;
    }

    @Override
    public TransportSession openSession(String endpointId) {
        Endpoint ep = endpoint(endpointId);
        if (lifecycle.isClosed()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INTERNAL, "transport closed", null);
        }
        if (!Files.isDirectory(ep.root)) {
            throw new TransportException(Disposition.FAILOVER, ErrorCode.ENDPOINTS_UNAVAILABLE,
                    "endpoint " + endpointId + ": root " + ep.root + " is not a directory", null);
        }
        return new PosixSession(ep, fsync, copyLocks);
    }

    /** Writes and deletes a probe file in the endpoint's root. */
    @Override
    public void checkHealth(String endpointId) {
        Endpoint ep = endpoint(endpointId);
        try {
            Path probe = Files.createTempFile(ep.root, ".migrate-health-", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            TransportException t = PosixErrors.classify(e, ep, "health check");
            // An unhealthy endpoint is always a failover matter for the heartbeat.
            throw new TransportException(Disposition.FAILOVER, t.code(), t.getMessage(), e);
        }
    }

    /** Nothing to release: sessions hold no open files between calls. Idempotent. */
    @Override
    public void close() {
        lifecycle.close();
    }

    private Endpoint endpoint(String id) {
        Endpoint ep = endpoints.get(id);
        if (ep == null) {
            throw new IllegalArgumentException("unknown endpoint " + id + ", known: " + endpoints.keySet());
        }
        return ep;
    }

    /** @return ids in configuration order, for logs */
    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        endpoints.values().forEach(e -> s.add(e.id + "=" + e.root));
        return "PosixTransport" + s;
    }
}
