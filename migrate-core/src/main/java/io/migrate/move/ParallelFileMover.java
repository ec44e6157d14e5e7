package io.migrate.move;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.internal.Lifecycle;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.internal.Require;
import io.migrate.move.internal.BufferPool;
import io.migrate.move.internal.Endpoints;
import io.migrate.move.internal.SourceFile;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.worker.ExecutionContext;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Moves the files of tasks to a {@link Transport}: many files at once and, above
 * {@link MoverConfig#splitThreshold()}, one file in ranges at once.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Memory for file data never exceeds {@link MoverConfig#maxInFlightBytes()}: ranges are
 *       read with positional {@code FileChannel} reads into a bounded pool of direct buffers
 *       and handed to the transport without heap copies ({@link #bufferHighWaterBytes()}).
 *       A transport that {@link TransportCapabilities#copiesLocalFiles() copies local files}
 *       (POSIX) copies each range in the kernel instead, and no buffer is used.</li>
 *   <li>Every range is checksummed (CRC32C) as it passes, or, when the transport copies it, as
 *       the destination holds it; the range checksums are combined into the file's checksum
 *       without reading the file again.</li>
 *   <li>Nothing outside the task's source root is opened; the source root itself must lie in
 *       an allowed root ({@code SOURCE_OUTSIDE_ROOT}).</li>
 *   <li>The source fingerprint (size, mtime, inode, ctime, device) is taken before and
 *       checked after reading; a change fails the file with {@code SOURCE_CHANGED} and
 *       nothing is committed.</li>
 *   <li>Data goes to a temporary location unique per attempt and is committed by the
 *       transport's rename; a file whose target already holds the same fingerprint is
 *       {@link FileOutcome#SKIPPED_IDENTICAL}.</li>
 *   <li>Every commit to a final key is fenced: it carries the {@link io.migrate.transport.CommitGuard}
 *       taken when the attempt began (the key absent, or holding the version then seen), and
 *       immediately before it the mover re-checks, by run id, that a run waiting for the file
 *       still owns its task ({@link ExecutionContext#stillOwned()}). A run that lost its task
 *       writes nothing ({@code SUPERSEDED}); a conflict found by a run that still owns its task is
 *       resolved in its favour (skip if identical, else replace the older attempt's object).
 *       How much of this the store enforces atomically: {@code docs/failure-modes.md}.</li>
 *   <li>The same source file for the same target in concurrent tasks is moved once and each
 *       task gets the result, when the tasks saw the same version of it (fingerprint); a task
 *       that saw another version waits for that copy to end and then copies its own.</li>
 *   <li>Transport errors are retried with exponential backoff and jitter (RETRY), moved to
 *       another healthy endpoint (FAILOVER) or fail the file with their code (PERMANENT); one
 *       file's failure never fails the task's other files.</li>
 *   <li>Progress is reported to the {@link ExecutionContext} as ranges are stored, and, while a
 *       file's completion or commit runs (a server-side copy or a multipart completion can take
 *       minutes and moves no bytes the mover counts), every 50 ms from the thread in
 *       {@link #move}, for at most {@link MoverConfig#commitLeaseLimit()} per commit: so the
 *       worker keeps the task's lease renewed and a long commit is not reclaimed as stalled.</li>
 *   <li>Cancellation ({@link ExecutionContext#isCancelled()} or interrupting the caller)
 *       stops within {@link MoverConfig#cancelTimeout()} and aborts open uploads, except
 *       those a part ledger names ({@link ExecutionContext#startLedger}): a cancelled run's task runs
 *       again (after a restart or a reclaim), and that run resumes or aborts them.</li>
 * </ul>
 *
 * <pre>{@code
 * PosixTransport dst = PosixTransport.create(PosixTransportConfig.builder().endpoint("nfs-a", Path.of("/mnt/a/archive"))
 *         .endpoint("nfs-b", Path.of("/mnt/b/archive")).build());
 * try (ParallelFileMover mover = ParallelFileMover.builder(dst)
 *         .config(MoverConfig.builder().allowSourceRoot(Path.of("/export/data")).build())
 *         .build()) {
 *     mover.start();
 *     TaskExecutor executor = new MoverTaskExecutor(mover); // for the Worker
 *     TaskResult result = mover.move(task, context);         // or directly
 * }
 * }</pre>
 *
 * <p>Threads: {@link MoverConfig#threads()} mover threads {@code migrate-mover-N}, each holding
 * one transport session at a time, spread over the endpoints; one heartbeat thread. All are
 * started by {@link #start()} and stopped by {@link #close()}. {@link #move} is thread-safe and
 * may be called by several tasks at once.
 */
public final class ParallelFileMover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParallelFileMover.class);

    final Transport transport;
    final MoverConfig config;
    final TransportCapabilities capabilities;
    final BufferPool pool;
    final Endpoints endpoints;
    private final MoveListener listener;

    /**
     * The fewest new files of one task in one target directory for which the mover first asks
     * the transport which targets certainly do not exist ({@code TransportSession#knownAbsent}:
     * one S3 listing instead of a HEAD per file) before their skip checks.
     */
    static final int SURVEY_MIN_FILES = 2;

    /** Jobs for the mover threads: ranges of started files before new files, then FIFO. */
    final PriorityBlockingQueue<MoverThread.Job> queue = new PriorityBlockingQueue<>();
    /** The per-node in-flight map: source real path + target key → the work moving it. */
    private final ConcurrentHashMap<String, FileWork> inflight = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    final AtomicLong seq = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong bytesResumed = new AtomicLong();
    private final AtomicLong ledgerWrites = new AtomicLong();
    private final AtomicLong ledgerBytes = new AtomicLong();
    private final AtomicLong ledgerNanos = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    /** NEW → STARTED → CLOSED in one CAS (issue 17). */
    private final Lifecycle lifecycle = new Lifecycle("mover");
    /** Names the mover threads {@code migrate-mover-N}. */
    private static final NamedThreadFactory MOVER_THREADS = new NamedThreadFactory("mover");

    private ParallelFileMover(Builder b) {
        this.transport = b.transport;
        this.config = b.config;
        this.listener = b.listener;
        this.capabilities = transport.capabilities();
        long slot = Math.max(config.rangeSize(), capabilities.rangeSizeFor(0, config.rangeSize()));
        if (slot > config.maxInFlightBytes()) {
            throw new io.migrate.error.ConfigurationException("mover.maxInFlightBytes",
                    "must hold at least one range of " + slot + " bytes (the transport's minimum), was "
                            + config.maxInFlightBytes());
        }
        this.pool = new BufferPool(config.maxInFlightBytes(), (int) Math.min(Integer.MAX_VALUE - 8, slot));
        this.endpoints = new Endpoints(transport, config.healthCheckInterval(),
                "mover-heartbeat");
    }

    /**
     * @param transport the destination; owned by the caller (not closed by {@link #close()})
     * @return a builder
     */
    public static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    /**
     * Checks every endpoint once on the caller's thread, then starts the mover threads and the
     * endpoint heartbeat. Idempotent.
     *
     * @throws IllegalStateException if already closed (as every component's start, issue 17)
     * @throws io.migrate.transport.TransportException PERMANENT ({@code TARGET_NOT_FOUND},
     *     {@code ACCESS_DENIED}) if an endpoint answers that the destination is unusable (a
     *     missing bucket); nothing is started then. Endpoints that are merely unreachable are
     *     reported by {@link #endpointHealth()} and do not stop the start.
     */
    public void start() {
        if (!lifecycle.start()) {
            return;
        }
        endpoints.start();
        synchronized (threads) {
            for (int i = 0; i < config.threads(); i++) {
                Thread t = MOVER_THREADS.newThread(new MoverThread(this, i));
                threads.add(t);
                t.start();
            }
        }
        log.info("mover started: {} threads over endpoints {}, {}", config.threads(), endpoints.ids(), config);
    }

    /**
     * Moves a task's files and returns when every file has a result.
     *
     * @param task the task (validated)
     * @param context node, run id, cancellation and progress
     * @return one result per file, in the task's order; per-file failures are results
     * @throws InterruptedException if the calling thread is interrupted; the task's uploads are
     *     aborted first (bounded by {@link MoverConfig#cancelTimeout()})
     * @throws MigrateException {@code CANCELLED} when the context reports cancellation or the
     *     mover is closed meanwhile
     */
    public TaskResult move(MigrationTask task, ExecutionContext context) throws InterruptedException {
        if (!lifecycle.isRunning()) {
            throw new MigrateException(ErrorCode.CANCELLED, "mover is not running");
        }
        TaskRun run = new TaskRun(task, context, listener, this);
        // Restores the caller's values afterwards: MDC.putCloseable would remove them, and the
        // worker's "task ... done" and the store's "completed" lines after move() lost their MDC.
        try (MdcScope mdc = new MdcScope(task.id(), context.node())) {
            log.info("moving task {} attempt {}: {} files", task.id(), task.attempt(), task.files().size());
            submit(run);
            try {
                long commitLimit = config.commitLeaseLimit().toNanos();
                while (!run.remaining().await(50, TimeUnit.MILLISECONDS)) {
                    // a running commit is progress: the task's lease stays renewed (bounded)
                    run.reportCommitsInProgress(System.nanoTime(), commitLimit);
                    if (context.isCancelled() || lifecycle.isClosed()) {
                        stop(run);
                        throw new MigrateException(ErrorCode.CANCELLED, "task " + task.id() + " cancelled");
                    }
                }
            } catch (InterruptedException e) {
                stop(run);
                throw e;
            }
            if (lifecycle.isClosed() && run.results().stream().anyMatch(r -> r.code() == ErrorCode.CANCELLED)) {
                throw new MigrateException(ErrorCode.CANCELLED, "mover closed while task " + task.id() + " ran");
            }
            List<FileResult> files = run.results();
            TaskResult result = new TaskResult(task.id(), task.attempt(), context.runId(), context.node(),
                    run.startedAt, Instant.now(), TaskResult.outcomeOf(files), null, null, files, null);
            if (result.outcome() == TaskOutcome.SUCCEEDED) {
                log.info("task {} attempt {} moved: {} ({} bytes)", task.id(), task.attempt(), result.outcome(),
                        result.bytes());
            } else {
                // An operator's first question is why: failed files per code, in one line.
                Map<ErrorCode, Long> byCode = new TreeMap<>();
                files.stream().filter(f -> !f.succeeded()).forEach(f -> byCode.merge(f.code(), 1L, Long::sum));
                log.info("task {} attempt {} moved: {} ({} bytes), failed files by code: {}", task.id(),
                        task.attempt(), result.outcome(), result.bytes(), byCode);
            }
            return result;
        }
    }

    /** Checks every file at the source and hands the good ones to the mover threads. */
    private void submit(TaskRun run) {
        MigrationTask task = run.task;
        Path root;
        try {
            root = SourceFile.resolveRoot(task.sourceRoot(), config.allowedSourceRoots());
        } catch (MigrateException e) {
            log.info("task {}: source root refused: {}: {}", task.id(), e.code(), e.getMessage());
            for (int i = 0; i < task.files().size(); i++) {
                run.fail(i, task.files().get(i), e.code(), e.getMessage());
            }
            return;
        }
        List<FileEntry> files = task.files();
        // New works by the directory of their target key: one listing can rule out many stats.
        Map<String, List<FileWork>> byDirectory = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
            FileEntry entry = files.get(i);
            Path real;
            SourceFile.Fingerprint seen;
            try {
                real = SourceFile.resolve(root, entry.sourcePath());
                seen = SourceFile.fingerprint(real);
                run.setTotal(i, seen.size());
                String tooLarge = tooLarge(seen.size());
                if (tooLarge != null) {
                    // Found now, before anything is sent: not a failed range in the middle of the file.
                    throw new MigrateException(ErrorCode.FILE_TOO_LARGE, tooLarge);
                }
            } catch (MigrateException e) {
                log.debug("file {} refused: {}: {}", entry.sourcePath(), e.code(), e.getMessage());
                run.fail(i, entry, e.code(), e.getMessage());
                continue;
            }
            FileWork.Owner owner = new FileWork.Owner(run, i, entry, seen);
            String key = real + "\u0000" + entry.targetKey();
            FileWork[] created = new FileWork[1];
            FileWork[] after = new FileWork[1];
            Path sourceRoot = root;
            FileWork work = inflight.compute(key, (k, existing) -> {
                FileWork.Join join = existing == null ? FileWork.Join.FINISHED : existing.tryJoin(owner);
                if (join == FileWork.Join.JOINED) {
                    return existing;
                }
                created[0] = new FileWork(k, sourceRoot, real, entry.targetKey(), seq.incrementAndGet(), owner, this);
                after[0] = join == FileWork.Join.OTHER_VERSION ? existing : null;
                return created[0];
            });
            run.works.add(work);
            if (after[0] != null) {
                // Another version of the source is being copied to the same key: copying ours at the
                // same time would race two commits of one key; joining would report its checksum as
                // ours. Ours starts when that copy has ended, and copies the version then current.
                log.debug("file {} in flight for another task with another version; copied after it",
                        entry.sourcePath());
                FileWork next = created[0];
                after[0].whenFinished(() -> queue.add(MoverThread.prepareJob(next)));
            } else if (created[0] != null) {
                String target = entry.targetKey();
                byDirectory.computeIfAbsent(target.substring(0, target.lastIndexOf('/') + 1), d -> new ArrayList<>())
                        .add(work);
            } else {
                log.debug("file {} already in flight for another task, joining it", entry.sourcePath());
            }
        }
        for (List<FileWork> group : byDirectory.values()) {
            if (group.size() >= SURVEY_MIN_FILES) {
                queue.add(MoverThread.surveyJob(group));
            } else {
                group.forEach(w -> queue.add(MoverThread.prepareJob(w)));
            }
        }
    }

    /**
     * Whether a file of {@code size} bytes can be moved with this node's settings. The transport
     * may have to raise the range size to stay within its range count (S3: 10,000 parts, so
     * above 80 GB with 8 MiB ranges); a range is read into one buffer of the pool, so it must fit
     * {@link MoverConfig#maxInFlightBytes()} (and one direct buffer, 2 GiB), unless the transport
     * copies local files without buffers. With the defaults on S3 the largest file is
     * 256 MiB × 10,000 = 2.44 TiB.
     *
     * @param size the file's size
     * @return null if it can, else why not, naming the setting to raise
     */
    String tooLarge(long size) {
        long range = capabilities.rangeSizeFor(size, config.rangeSize());
        long ranges = Math.max(1, (size + range - 1) / range);
        if (ranges > capabilities.maxRanges()) {
            return "file of " + size + " bytes needs " + ranges + " ranges of " + range
                    + " bytes, more than the transport allows (" + capabilities.maxRanges() + ")";
        }
        long bufferable = Math.min(pool.capacityBytes(), Integer.MAX_VALUE - 8);
        if (!capabilities.copiesLocalFiles() && range > bufferable) {
            return "file of " + size + " bytes needs ranges of " + range + " bytes to stay within "
                    + capabilities.maxRanges() + " ranges, more than the buffer memory holds (mover.maxInFlightBytes = "
                    + config.maxInFlightBytes() + (range > Integer.MAX_VALUE - 8 ? "; and a range is at most 2 GiB"
                    : "; raise it to at least " + range) + ")";
        }
        return null;
    }

    /**
     * Cancels a run: its own works stop and abort their uploads; works shared with tasks still
     * running go on, and this run stops waiting for them. Waits at most the cancel timeout.
     */
    private void stop(TaskRun run) {
        run.cancel();
        log.info("task {}: cancelling", run.task.id());
        long deadline = System.nanoTime() + config.cancelTimeout().toNanos();
        for (FileWork w : run.works) {
            if (!w.onlyWaitedOnBy(run)) {
                for (FileWork.Owner o : w.owners()) {
                    if (o.run() == run) {
                        run.fail(o.index(), o.entry(), ErrorCode.CANCELLED, "task cancelled");
                    }
                }
            }
        }
        boolean interrupted = false;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                log.warn("task {}: files still stopping after {}", run.task.id(), config.cancelTimeout());
                break;
            }
            try {
                if (run.remaining().await(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true; // finish the bounded wait, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void workFinished(FileWork work, FileOutcome outcome) {
        inflight.remove(work.key, work);
        filesDone.incrementAndGet();
    }

    void addBytesSent(long n) {
        bytesSent.addAndGet(n);
    }

    void ledgerWritten(int bytes, long nanos) {
        ledgerWrites.incrementAndGet();
        ledgerBytes.addAndGet(bytes);
        ledgerNanos.addAndGet(nanos);
    }

    /**
     * @return part ledger appends since start (one per range of a split file, or fewer: ranges that
     *     finish while an append runs go into the next together; each with its journal's header when
     *     it is the first of an upload), their bytes and the time they took in nanoseconds
     *     ({@code [writes, bytes, nanos]}): the cost of being able to resume large files
     */
    public long[] ledgerCost() {
        return new long[] {ledgerWrites.get(), ledgerBytes.get(), ledgerNanos.get()};
    }

    void addTransferred(long n, boolean sent) {
        (sent ? bytesWritten : bytesResumed).addAndGet(n);
    }

    boolean closing() {
        return lifecycle.isClosed();
    }

    /**
     * @return each endpoint's state and last error (the heartbeat's and the movers' view), in
     *     transport order; {@code UNKNOWN} before {@link #start()}
     */
    public List<io.migrate.transport.EndpointHealth> endpointHealth() {
        return endpoints.health();
    }

    /** @return the endpoints currently in rotation (the heartbeat's view), in transport order */
    public List<String> healthyEndpoints() {
        return endpoints.ids().stream().filter(endpoints::healthy).toList();
    }

    /** @return the buffer memory cap in bytes */
    public long bufferCapacityBytes() {
        return pool.capacityBytes();
    }

    /** @return the most buffer memory ever in use at once, in bytes; never above the cap */
    public long bufferHighWaterBytes() {
        return pool.highWaterBytes();
    }

    /** @return bytes sent since start, each range counted once */
    public long bytesSent() {
        return bytesSent.get();
    }

    /**
     * @return bytes handed to the transport in successful range writes since start, every re-send
     *     counted (a range sent again after a retry, a restarted upload): what the network carried
     */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    /**
     * @return bytes of ranges not sent since start because an earlier run (this node before a
     *     restart, or another node) had stored them and its part ledger, the destination and the
     *     source all agreed ({@code docs/s3.md}, "Resuming large files")
     */
    public long bytesResumed() {
        return bytesResumed.get();
    }

    /** @return files finished since start (any outcome; a file shared by tasks counts once) */
    public long filesDone() {
        return filesDone.get();
    }

    /**
     * Stops the mover threads (in-flight files end as {@code CANCELLED}, their uploads aborted
     * unless a part ledger names them, for the next run to resume)
     * and the heartbeat; waits at most the cancel timeout. Does not close the transport.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        endpoints.close();
        List<Thread> ts;
        synchronized (threads) {
            ts = List.copyOf(threads);
        }
        long deadline = System.nanoTime() + config.cancelTimeout().toNanos();
        boolean interrupted = false;
        for (Thread t : ts) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        log.info("mover closed");
    }

    /** Builds a {@link ParallelFileMover}. Not thread-safe. */
    public static final class Builder {
        private final Transport transport;
        private MoverConfig config;
        private MoveListener listener = MoveListener.NONE;

        private Builder(Transport transport) {
            this.transport = Require.nonNull("mover.transport", transport);
        }

        /**
         * @param config the settings (required: it names the allowed source roots)
         * @return this
         */
        public Builder config(MoverConfig config) {
            this.config = config;
            return this;
        }

        /**
         * @param listener progress listener; default none
         * @return this
         */
        public Builder listener(MoveListener listener) {
            this.listener = Require.nonNull("mover.listener", listener);
            return this;
        }

        /**
         * @return the mover, not yet started
         * @throws io.migrate.error.ConfigurationException without a config, or when the
         *     transport's minimum range does not fit the buffer cap
         */
        public ParallelFileMover build() {
            Require.nonNull("mover.config", config);
            return new ParallelFileMover(this);
        }
    }

    /** Puts {@code task} and {@code node} into the MDC and puts back what was there before. */
    private static final class MdcScope implements AutoCloseable {
        private final String previousTask = MDC.get("task");
        private final String previousNode = MDC.get("node");

        MdcScope(String task, String node) {
            MDC.put("task", task);
            MDC.put("node", node);
        }

        @Override
        public void close() {
            restore("task", previousTask);
            restore("node", previousNode);
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}
