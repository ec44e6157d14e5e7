package io.migrate.transport.posix;

import io.migrate.error.ErrorCode;
import io.migrate.internal.Require;
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
 * default, see {@link Builder#copyLocalFiles}).
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
 *       {@link Builder#copyLocalFiles} off. A source that ends before the range does fails the
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
    private final boolean fsync;
    private final TransportCapabilities capabilities;
    private final AtomicBoolean closed = new AtomicBoolean();
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

    private PosixTransport(Builder b) {
        Map<String, Endpoint> m = new LinkedHashMap<>();
        b.roots.forEach((id, root) -> m.put(id, new Endpoint(id, root)));
        this.endpoints = java.util.Collections.unmodifiableMap(m);
        this.fsync = b.fsync;
        this.capabilities = CAPABILITIES.withCopiesLocalFiles(b.copyLocalFiles);
    }

    /**
     * @param root the destination directory
     * @return a transport with one endpoint {@code posix-0} at {@code root}
     */
    public static PosixTransport of(Path root) {
        return builder().endpoint("posix-0", root).build();
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
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
        if (closed.get()) {
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
        closed.set(true);
    }

    private Endpoint endpoint(String id) {
        Endpoint ep = endpoints.get(id);
        if (ep == null) {
            throw new IllegalArgumentException("unknown endpoint " + id + ", known: " + endpoints.keySet());
        }
        return ep;
    }

    /** Builds a {@link PosixTransport}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Path> roots = new LinkedHashMap<>();
        private boolean fsync = true;
        private boolean copyLocalFiles = true;

        private Builder() {
        }

        /**
         * Adds an endpoint: one mount point of the destination.
         *
         * @param id a unique id, used in logs and by the mover to spread threads
         * @param root the destination directory as seen through this mount (absolute)
         * @return this
         */
        public Builder endpoint(String id, Path root) {
            Require.nonBlank("posix.endpoint.id", id);
            Require.nonNull("posix.endpoint.root", root);
            if (roots.containsKey(id)) {
                throw new io.migrate.error.ConfigurationException("posix.endpoint.id", "duplicate endpoint id " + id);
            }
            roots.put(id, root.toAbsolutePath().normalize());
            return this;
        }

        /**
         * @param fsync whether {@code complete} fsyncs the file and {@code commit} its directory
         *     (default true; turn off only for tests and benchmarks of throwaway data)
         * @return this
         */
        public Builder fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /**
         * @param copy whether the transport declares {@link TransportCapabilities#copiesLocalFiles()},
         *     so the mover has it copy ranges of local source files in the kernel instead of reading
         *     them and writing the bytes (default true; off to compare the two paths, or where
         *     something other than the mover might truncate its temporary files, see above)
         * @return this
         */
        public Builder copyLocalFiles(boolean copy) {
            this.copyLocalFiles = copy;
            return this;
        }

        /**
         * @return the transport
         * @throws io.migrate.error.ConfigurationException without an endpoint
         */
        public PosixTransport build() {
            if (roots.isEmpty()) {
                throw new io.migrate.error.ConfigurationException("posix.endpoint", "at least one endpoint is required");
            }
            return new PosixTransport(this);
        }
    }

    /** @return ids in configuration order, for logs */
    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        endpoints.values().forEach(e -> s.add(e.id + "=" + e.root));
        return "PosixTransport" + s;
    }
}
