package io.migrate.ha.file;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.internal.AbstractMembership;
import io.migrate.ha.spi.Membership;
import io.migrate.internal.Executors2;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.internal.Require;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The default {@link Membership}: heartbeat counters on the shared task root.
 *
 * <p>Each node owns {@code <taskRoot>/nodes/<node>/alive}, a file holding a decimal counter.
 * {@link #heartbeat()} increments this node's counter (written to a temporary file, then
 * renamed over {@code alive}, so readers never see a torn value). An observer thread reads every
 * node's counter each heartbeat interval and declares a node dead once its counter has not
 * changed for the node lease, measured on the <em>observer's</em> monotonic clock: node clocks
 * need not agree, and a file's mtime is never used.
 *
 * <p>Rules: a node is alive iff its {@code alive} file exists and its content changed less than
 * one node lease ago, where "changed" includes the first time this observer saw it. A node first
 * seen at time t is therefore alive until t + lease unless its counter moves; a node with no
 * {@code alive} file is not alive, even if it is configured. A file that exists but cannot be read
 * (an NFS {@code ESTALE} or {@code EIO}) tells nothing: the last observation stands, so the node
 * stays alive until its lease runs out on the observer's clock, never dead at once. {@link #isAlive(String)} re-reads
 * the file before answering. Known nodes are the configured ones, every directory under
 * {@code nodes/}, and every node seen so far.
 *
 * <p>Writes are coalesced: at most one per {@code heartbeatInterval / 10}; concurrent calls
 * while a write is in progress return at once. A write failure is logged, not thrown: the node
 * will simply be judged dead by others if it persists.
 *
 * <p>Thread-safety: every method may be called from any thread. Threads owned: one observer
 * ({@code migrate-ha-heartbeat-N}) and one notifier ({@code migrate-ha-membership-N}) that
 * delivers listener calls one at a time, in order. {@link #close()} is idempotent and stops both
 * within a bounded wait.
 */
public final class HeartbeatFileMembership extends AbstractMembership {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatFileMembership.class);

    /** Default heartbeat interval (design default). */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    /** Default node lease (design default). */
    public static final Duration DEFAULT_NODE_LEASE = Duration.ofSeconds(30);

    static final String ALIVE = "alive";
    static final String ALIVE_TMP = "alive.tmp";

    private final String nodeId;
    private final Path nodesDir;
    private final Duration heartbeatInterval;
    private final Duration nodeLease;
    private final long leaseNanos;
    private final long minWriteSpacingNanos;
    private final LongSupplier ticker;

    /** Last observation per node; written by the observer thread and by isAlive callers. */
    private final Map<String, Observation> observations = new ConcurrentHashMap<>();

    /** Guards this node's counter and the write; held by at most one heartbeat() call. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private long counter = -1; // guarded by writeLock; -1 = not yet read from disk
    private long lastWriteNanos; // guarded by writeLock
    private boolean wroteOnce; // guarded by writeLock
    private boolean failing; // guarded by writeLock: log the first failure of a streak at WARN

    private final ScheduledExecutorService observer =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("ha-heartbeat"));

    private HeartbeatFileMembership(Builder b) {
        super(b.knownNodes);
        this.nodeId = b.nodeId;
        this.nodesDir = b.taskRoot.resolve("nodes");
        this.heartbeatInterval = b.heartbeatInterval;
        this.nodeLease = b.nodeLease;
        this.leaseNanos = b.nodeLease.toNanos();
        this.minWriteSpacingNanos = b.heartbeatInterval.toNanos() / 10;
        this.ticker = b.ticker;
    }

    /** @return a builder with the design defaults (heartbeat 5 s, node lease 30 s) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the configured heartbeat interval (observation period) */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** @return the configured node lease (how long a counter may stay unchanged) */
    public Duration nodeLease() {
        return nodeLease;
    }

    /**
     * Starts the observer: one observation at once, then one per heartbeat interval. Does not
     * announce this node; its worker does that by calling {@link #heartbeat()}.
     */
    @Override
    protected void doStart() {
        long period = heartbeatInterval.toNanos();
        observer.scheduleWithFixedDelay(this::observeAllSafely, 0, period, TimeUnit.NANOSECONDS);
        LOG.info("heartbeat membership started on {} (node {}, interval {}, lease {})",
                nodesDir, nodeId, heartbeatInterval, nodeLease);
    }

    @Override
    public Set<String> knownNodes() {
        Set<String> known = new TreeSet<>(super.knownNodes());
        known.addAll(observations.keySet());
        known.addAll(listNodeDirs());
        return Set.copyOf(known);
    }

    /**
     * Re-reads the node's counter now and judges it by the rules above. Also refreshes the live
     * set (listeners hear of a change).
     *
     * @param node the node id
     * @return whether the node is alive now
     */
    @Override
    public boolean isAlive(String node) {
        Objects.requireNonNull(node, "node");
        long now = ticker.getAsLong();
        Observation o = observe(node, now);
        publishIfChanged(now);
        return o.aliveAt(now, leaseNanos);
    }

    /**
     * Increments this node's counter (temporary file + atomic rename). Coalesced and
     * non-blocking when another call is already writing; failures are logged, not thrown.
     */
    @Override
    public void heartbeat() {
        if (isClosed() || !writeLock.tryLock()) {
            return;
        }
        try {
            long now = ticker.getAsLong();
            if (wroteOnce && now - lastWriteNanos < minWriteSpacingNanos) {
                return;
            }
            Path dir = nodesDir.resolve(nodeId);
            if (counter < 0) {
                counter = readCounter(dir.resolve(ALIVE));
            }
            long next = counter + 1;
            // The task root is shared and hand-editable: a link at the node's directory or at the
            // temporary name must not make the heartbeat write outside it.
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory (a symbolic link or a file)");
            }
            Files.createDirectories(dir);
            Path tmp = dir.resolve(ALIVE_TMP);
            Files.deleteIfExists(tmp); // removes a link itself, never its target
            Files.writeString(tmp, Long.toString(next), StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            Files.move(tmp, dir.resolve(ALIVE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            counter = next;
            lastWriteNanos = now;
            wroteOnce = true;
            if (failing) {
                LOG.info("heartbeat of node {} written again (counter {})", nodeId, next);
                failing = false;
            }
        } catch (IOException e) {
            if (!failing) {
                LOG.warn("cannot write heartbeat of node {} under {}; others will judge it dead if this persists",
                        nodeId, nodesDir, e);
                failing = true;
            } else {
                LOG.debug("heartbeat of node {} still failing", nodeId, e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Stops the observer; queued notifications are still delivered. */
    @Override
    protected void doClose() {
        Executors2.stop(observer, true, "heartbeat observer");
        LOG.info("heartbeat membership of node {} closed", nodeId);
    }

    // --- observer side ---

    private void observeAllSafely() {
        MDC.put("node", nodeId);
        try {
            observeAll();
        } catch (RuntimeException e) {
            // Keep observing: one bad tick must not end the schedule.
            LOG.warn("heartbeat observation failed", e);
        } finally {
            MDC.remove("node");
        }
    }

    void observeAll() {
        Set<String> nodes = new LinkedHashSet<>(super.knownNodes());
        nodes.addAll(listNodeDirs());
        nodes.addAll(observations.keySet());
        for (String node : nodes) {
            observe(node, ticker.getAsLong());
        }
        publishIfChanged(ticker.getAsLong());
    }

    /** @return the node's observation now; a node never seen with a file is not recorded */
    private Observation observe(String node, long now) {
        String value;
        try {
            value = readValue(nodesDir.resolve(node).resolve(ALIVE));
        } catch (IOException e) {
            // Unknown, not dead: one transient ESTALE/EIO on NFS must not trigger reclaims. The last
            // observation stands, so the node stays alive until its lease runs out on this clock.
            LOG.debug("cannot read the heartbeat of node {}; judging it by its last observation", node, e);
            Observation prev = observations.get(node);
            return prev != null ? prev : new Observation(null, now);
        }
        Observation o = observations.compute(node, (n, prev) -> {
            if (prev == null) {
                // No file and never seen: nothing to remember (isAlive("typo") stays unknown).
                return value == null ? null : new Observation(value, now);
            }
            return Objects.equals(prev.value, value) ? prev : new Observation(value, now);
        });
        return o != null ? o : new Observation(null, now);
    }

    private void publishIfChanged(long now) {
        Set<String> alive = new TreeSet<>();
        observations.forEach((node, o) -> {
            if (o.aliveAt(now, leaseNanos)) {
                alive.add(node);
            }
        });
        publish(alive);
    }

    private Set<String> listNodeDirs() {
        Set<String> out = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(nodesDir,
                p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
            for (Path p : s) {
                out.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            LOG.debug("cannot list {}", nodesDir, e);
        }
        return out;
    }

    /**
     * @return the raw content, or null when there is no file
     * @throws IOException when it cannot be read: the caller knows nothing new about the node
     */
    private static String readValue(Path alive) throws IOException {
        try {
            // Only a regular file, never through a link: a FIFO put there would block the observer.
            // Anything else there is unreadable (unknown), like an I/O error.
            if (!Files.isRegularFile(alive, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.exists(alive, LinkOption.NOFOLLOW_LINKS)) {
                    return null;
                }
                throw new IOException(alive + " is not a regular file");
            }
            try (InputStream in = Files.newInputStream(alive, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                return new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
            }
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static long readCounter(Path alive) throws IOException {
        String v = readValue(alive);
        if (v == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(v));
        } catch (NumberFormatException e) {
            return 0; // any different value still counts as a change for observers
        }
    }

    /** One node's last seen counter value (null = no file) and when it last changed. */
    private record Observation(String value, long lastChangeNanos) {
        boolean aliveAt(long now, long lease) {
            return value != null && now - lastChangeNanos < lease;
        }
    }

    /** Immutable configuration of a {@link HeartbeatFileMembership}. Not thread-safe. */
    public static final class Builder {
        private String nodeId;
        private Path taskRoot;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration nodeLease = DEFAULT_NODE_LEASE;
        private Set<String> knownNodes = Set.of();
        private LongSupplier ticker = System::nanoTime;

        private Builder() {
        }

        /** @param nodeId this node's id (whose counter {@link #heartbeat()} increments); required */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** @param taskRoot the shared task root; required */
        public Builder taskRoot(Path taskRoot) {
            this.taskRoot = taskRoot;
            return this;
        }

        /** @param interval how often counters are read; default 5 s */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = interval;
            return this;
        }

        /** @param lease how long a counter may stay unchanged; default 30 s, more than the interval */
        public Builder nodeLease(Duration lease) {
            this.nodeLease = lease;
            return this;
        }

        /** @param nodes nodes known before their first heartbeat (not alive until they beat) */
        public Builder knownNodes(Collection<String> nodes) {
            this.knownNodes = Set.copyOf(nodes);
            return this;
        }

        /**
         * @param ticker monotonic nanosecond source of the observer; default {@link System#nanoTime()}.
         *     Tests inject a manual one.
         */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = ticker;
            return this;
        }

        /**
         * @return a new, not started membership
         * @throws ConfigurationException naming the bad setting
         */
        public HeartbeatFileMembership build() {
            Require.nonBlank("nodeId", nodeId);
            if (nodeId.contains("/") || nodeId.equals(".") || nodeId.equals("..")) {
                throw new ConfigurationException("nodeId", "must be a plain file name, was '" + nodeId + "'");
            }
            Require.nonNull("taskRoot", taskRoot);
            Require.positive("heartbeatInterval", heartbeatInterval);
            Require.positive("nodeLease", nodeLease);
            if (nodeLease.compareTo(heartbeatInterval) <= 0) {
                throw new ConfigurationException("nodeLease",
                        "must be longer than heartbeatInterval (" + heartbeatInterval + "), was " + nodeLease);
            }
            Require.nonNull("ticker", ticker);
            return new HeartbeatFileMembership(this);
        }
    }
}
