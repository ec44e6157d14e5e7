package io.migrate.transport.posix;

import io.migrate.error.ErrorCode;
import io.migrate.internal.Executors2;
import io.migrate.internal.Lifecycle;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.transport.Disposition;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.WriteMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *       them; on NFS, no other client deleting them; the transports' own stale-upload sweepers
 *       remove only files unchanged for a day, never one being written or resumed): where that cannot be ruled out, turn
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
 * <p><b>Stale uploads.</b> A run cancelled while it owns its task keeps its temporary file for the
 * next run to resume; if no run ever comes back for it (the task never runs again), the file would
 * stay for good. The sweeper, the POSIX twin of the S3 transport's stale-upload sweeper, removes
 * temporary files unchanged for longer than {@link PosixTransportConfig#staleUploadAge()} (default
 * 24 h): every {@link PosixTransportConfig#staleUploadSweepInterval()} (default 1 h, the first one
 * interval after {@link #create}; {@link Duration#ZERO} turns it off) a sweep walks the tree under
 * the first endpoint whose root is a directory (they are mounts of one destination) in batches of
 * {@value #SWEEP_BATCH} entries, {@value #SWEEP_BATCH_PAUSE_MS} ms apart, never following a link,
 * and removes only regular files with the transport's temporary name. {@link TempSweeper} says why
 * this is safe and bounded. Each transport sweeps on its own: backends sharing a destination each
 * walk it, which is harmless (a file removed twice is not there the second time) but multiplies the
 * {@code lstat}s; raise the interval for a large tree. Because the sweeper owns such names, {@code open} refuses a target whose
 * own name has that shape ({@code INVALID_TARGET_KEY}). {@link #sweepStaleUploads} runs one sweep
 * on demand; {@link #sweptUploads()} and {@link #sweptBytes()} count what sweeps removed, and each
 * removal is logged at INFO with its path.
 *
 * <p>Threads: the sweeper thread {@code migrate-posix-sweeper-N} (one per transport, only while the
 * sweeper is on) owns its {@link TempSweeper} (the walk's position and its open directories, one per level);
 * sessions run on the mover threads and share nothing with it but the files. {@link #close()}
 * stops the thread (interrupting it, bounded wait) before anything else.
 *
 * <p>Thread-safe; sessions are not (one per mover thread).
 */
public final class PosixTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(PosixTransport.class);
    /**
     * Directory entries one background sweep step looks at (one {@code lstat} each): a step of a
     * million-entry target is bounded. Measured on local ext4 (JDK 17, 2 cores at load 6): 100,100
     * entries (100 directories of 1,000 files) in 11 steps, 0.19-0.58 s for the whole walk, the
     * longest step 20-94 ms; on NFS expect one round trip per entry.
     */
    static final int SWEEP_BATCH = 10_000;
    /** Pause between the steps of one background sweep, so a walk leaves the target's I/O to the movers. */
    static final long SWEEP_BATCH_PAUSE_MS = 1_000;
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
    private final Clock clock;
    /** The sweeper thread, null when the sweeper is off; it alone touches {@link #backgroundSweeper}. */
    private final ScheduledExecutorService sweeperThread;
    private TempSweeper backgroundSweeper;
    private final AtomicLong sweptUploads = new AtomicLong();
    private final AtomicLong sweptBytes = new AtomicLong();

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

    private PosixTransport(PosixTransportConfig config, Clock clock) {
        Map<String, Endpoint> m = new LinkedHashMap<>();
        config.endpoints().forEach((id, root) -> m.put(id, new Endpoint(id, root)));
        this.endpoints = java.util.Collections.unmodifiableMap(m);
        this.config = config;
        this.fsync = config.fsync();
        this.capabilities = CAPABILITIES.withCopiesLocalFiles(config.copyLocalFiles());
        this.clock = clock;
        Duration interval = config.staleUploadSweepInterval();
        if (interval.isZero()) {
            this.sweeperThread = null;
        } else {
            this.sweeperThread = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("posix-sweeper"));
            sweeperThread.schedule(this::sweepStep, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The one way to make a POSIX transport, like every plug-in: {@code XTransport.create(XConfig)}.
     *
     * @param config the settings ({@link PosixTransportConfig#of(Path)} for one directory)
     * @return the transport; the caller closes it
     */
    public static PosixTransport create(PosixTransportConfig config) {
        return create(config, Clock.systemUTC());
    }

    /** For tests: {@code clock} decides how old a temporary file is and stamps resumed ones. */
    static PosixTransport create(PosixTransportConfig config, Clock clock) {
        return new PosixTransport(java.util.Objects.requireNonNull(config, "config"), clock);
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
        return new PosixSession(ep, fsync, copyLocks, clock);
    }

    /**
     * Removes the temporary files under the first endpoint whose root is a directory that have not
     * changed for longer than {@code age}: one whole walk of the tree, on the caller's thread
     * (unbounded: a million-entry target costs a million {@code lstat}s). The background sweeper does
     * the same in bounded steps with {@link PosixTransportConfig#staleUploadAge()}.
     *
     * @param age what has not changed for longer is stale; it must exceed the longest time an
     *     attempt leaves its temporary file unwritten
     * @return temporary files removed
     * @throws TransportException if the transport is closed, no endpoint root can be listed, or the
     *     thread is interrupted ({@code CANCELLED}; the interrupt flag stays set)
     */
    public int sweepStaleUploads(Duration age) {
        if (lifecycle.isClosed()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CANCELLED, "POSIX transport is closed", null);
        }
        Endpoint ep = sweepEndpoint();
        try (TempSweeper sweeper = new TempSweeper(ep.id, ep.root, clock, SWEEP_BATCH)) {
            return (int) counted(ep, sweeper.sweepAll(age));
        } catch (java.io.InterruptedIOException e) {
            // the interrupt flag is still set for the caller
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CANCELLED, e.getMessage(), e);
        } catch (IOException e) {
            throw PosixErrors.classify(e, ep, "sweep of stale temporary files");
        }
    }

    /** @return temporary files removed by sweeps (background and on demand) since the transport was made */
    public long sweptUploads() {
        return sweptUploads.get();
    }

    /** @return bytes of the temporary files counted by {@link #sweptUploads()} */
    public long sweptBytes() {
        return sweptBytes.get();
    }

    /** One bounded step of the background sweep; on the sweeper thread only; schedules the next. */
    private void sweepStep() {
        long next = config.staleUploadSweepInterval().toMillis();
        try {
            if (backgroundSweeper == null) {
                Endpoint ep = sweepEndpoint();
                backgroundSweeper = new TempSweeper(ep.id, ep.root, clock, SWEEP_BATCH);
            }
            TempSweeper.Result r = backgroundSweeper.step(config.staleUploadAge());
            if (r == null) {
                next = SWEEP_BATCH_PAUSE_MS;
            } else {
                counted(endpoints.get(backgroundSweeper.endpointId()), r);
                closeBackgroundSweeper(); // the next sweep looks for a usable endpoint again
            }
        } catch (IOException | RuntimeException e) {
            closeBackgroundSweeper();
            LOG.warn("stale temporary file sweep failed, next in {}: {}", config.staleUploadSweepInterval(),
                    e.toString());
        }
        if (Thread.currentThread().isInterrupted() || lifecycle.isClosed()) {
            closeBackgroundSweeper();
            return;
        }
        try {
            sweeperThread.schedule(this::sweepStep, next, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            closeBackgroundSweeper(); // closing
        }
    }

    private void closeBackgroundSweeper() {
        if (backgroundSweeper != null) {
            backgroundSweeper.close();
            backgroundSweeper = null;
        }
    }

    private long counted(Endpoint ep, TempSweeper.Result r) {
        sweptUploads.addAndGet(r.removed());
        sweptBytes.addAndGet(r.removedBytes());
        if (r.removed() > 0) {
            LOG.info("endpoint {}: swept {} stale temporary files ({} bytes) of {} entries under {}", ep.id,
                    r.removed(), r.removedBytes(), r.visited(), ep.root);
        } else {
            LOG.debug("endpoint {}: no stale temporary files among {} entries under {}", ep.id, r.visited(), ep.root);
        }
        return r.removed();
    }

    /** The first endpoint whose root is a directory: all are mounts of one destination. */
    private Endpoint sweepEndpoint() {
        for (Endpoint ep : endpoints.values()) {
            if (Files.isDirectory(ep.root)) {
                return ep;
            }
        }
        throw new TransportException(Disposition.FAILOVER, ErrorCode.ENDPOINTS_UNAVAILABLE,
                "no endpoint root is a directory: " + this, null);
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

    /**
     * Stops the sweeper thread (interrupting a sweep step; bounded wait, logged if it does not stop);
     * sessions hold no open files between calls. Idempotent.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        if (sweeperThread != null) {
            Executors2.stop(sweeperThread, true, "migrate-posix-sweeper thread");
            if (sweeperThread.isTerminated()) {
                // stopped between two steps of a walk: its open directory stream is ours to close now
                closeBackgroundSweeper();
            }
        }
    }

    /** @return whether the sweeper thread has ended (true without a sweeper); for tests */
    boolean sweeperStopped() {
        return sweeperThread == null || sweeperThread.isTerminated();
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
