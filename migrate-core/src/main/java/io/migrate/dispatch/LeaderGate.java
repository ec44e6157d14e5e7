package io.migrate.dispatch;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeadershipListener;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Lifecycle;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether this node may mutate the task root as leader, and fences it off when another
 * node took over.
 *
 * <p>Leadership comes from a {@link LeaderElection}; on top of it the gate takes a
 * <em>task-root epoch</em>: on gaining leadership it creates {@code epochs/<n+1>} with
 * {@code mkdir} (atomic: exactly one winner per number; a loser retries with the next number).
 * Before every batch of moves, {@link #checkBatch()} asks the election afresh
 * ({@link LeaderElection#revalidate()}) and checks that no higher epoch directory exists; if
 * either fails the gate closes at once and the caller stops. This fences leaders the same way
 * whatever the election (a VIP or CTDB without a cluster lock has no quorum and can report two
 * leaders).
 *
 * <p>A gate that was fenced while its election still says LEADER waits
 * {@link DispatchConfig#fencedBackoff()} before taking a new epoch, so two nodes that both
 * believe they lead do not take epochs from each other on every tick.
 *
 * <p>Thread-safety: safe for the dispatcher and reclaimer threads at once; epoch changes are
 * serialised by one lock, {@link #isActive()} is a volatile read. Leadership listener callbacks
 * only close the gate (no I/O on the election's thread).
 */
public final class LeaderGate implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderGate.class);
    /** Epoch directories kept below the current one (older ones are pruned; fencing needs only the highest). */
    private static final int EPOCHS_KEPT = 16;
    private static final int MAX_ACQUIRE_TRIES = 1000;

    private final LeaderElection election;
    private final Path epochsDir;
    private final DispatchConfig config;
    private final LongSupplier nanoTicker;
    private final LeadershipListener listener = this::onLeadershipChange;

    /** Serialises taking and dropping the epoch; held around a mkdir, never around the election. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The held epoch, 0 when none. Written under {@link #lock}. */
    private volatile long epoch;
    /** Ticker time the epoch was taken. Written under {@link #lock}. */
    private volatile long epochTakenNanos;
    /** Ticker time of the last fencing while the election said LEADER; guarded by {@link #lock}. */
    private long fencedAtNanos;
    private boolean fencedRecently;
    /** True while an epoch is held and no NOT_LEADER/UNKNOWN has been heard since. */
    private volatile boolean active;
    private final AtomicLong fencings = new AtomicLong();
    /**
     * NEW → STARTED (listening) → CLOSED in one CAS (issue 17). A gate that was never started
     * still guards moves; it only does not hear leadership changes between ticks.
     */
    private final Lifecycle lifecycle = new Lifecycle("leader gate");

    /**
     * A gate on {@code System.nanoTime()}. {@code MigrationNode} makes one per manager node; a host
     * needs one only to run a {@link TaskDispatcher} or {@link TaskReclaimer} without a node.
     *
     * @param election this node's election
     * @param taskRoot the shared task root; epochs live in {@code epochs/} below it
     * @param config fenced backoff
     * @return the gate, holding no epoch
     */
    public static LeaderGate create(LeaderElection election, Path taskRoot, DispatchConfig config) {
        return new LeaderGate(election, taskRoot, config, System::nanoTime);
    }

    /**
     * Package-private: the ticker is a test seam (see {@code TestGates}), not API.
     *
     * @param election this node's election
     * @param taskRoot the shared task root; epochs live in {@code epochs/} below it
     * @param config fenced backoff
     * @param nanoTicker monotonic time in nanoseconds ({@code System::nanoTime} in production)
     */
    LeaderGate(LeaderElection election, Path taskRoot, DispatchConfig config, LongSupplier nanoTicker) {
        this.election = Objects.requireNonNull(election, "election");
        this.epochsDir = Objects.requireNonNull(taskRoot, "taskRoot").resolve("epochs");
        this.config = Objects.requireNonNull(config, "config");
        this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
    }

    /**
     * Starts listening to the election so that a loss of leadership closes the gate at once. A
     * second call does nothing.
     *
     * @throws IllegalStateException if the gate is closed
     */
    public void start() {
        if (lifecycle.start()) {
            election.addListener(listener);
        }
    }

    private void onLeadershipChange(LeadershipState previous, LeadershipState current) {
        if (current != LeadershipState.LEADER && active) {
            // Only a flag here: the election's thread must not wait for the lock or do I/O.
            active = false;
            LOG.info("Leadership is {} (was {}): leader-side moves stop now (epoch {})", current, previous, epoch);
        }
    }

    /**
     * Called at the start of every tick. Drops the epoch when the election no longer says
     * LEADER; otherwise returns the held epoch, taking a new one on the task root if none is held.
     *
     * @return the epoch to stamp on this tick's moves, or empty when this node must not act
     * @throws MigrateException with {@link ErrorCode#TASK_STORE_IO} if the epochs directory
     *     cannot be written
     */
    public OptionalLong enter() {
        if (lifecycle.isClosed() || election.state() != LeadershipState.LEADER) {
            relinquish("election state " + election.state());
            return OptionalLong.empty();
        }
        lock.lock();
        try {
            if (epoch != 0 && active) {
                return OptionalLong.of(epoch);
            }
            if (epoch != 0) {
                // The listener closed the gate; the election says LEADER again: a new term, a new epoch.
                drop("leadership was interrupted");
            }
            long now = nanoTicker.getAsLong();
            if (fencedRecently && now - fencedAtNanos < config.fencedBackoff().toNanos()) {
                return OptionalLong.empty();
            }
            fencedRecently = false;
            long taken = acquire();
            if (election.state() != LeadershipState.LEADER) {
                // Lost while creating the directory: the epoch stays unused, and is fenced by the next one anyway.
                LOG.info("Leadership lost while taking epoch {}; not acting", taken);
                return OptionalLong.empty();
            }
            epoch = taken;
            epochTakenNanos = now;
            active = true;
            LOG.info("Took leader epoch {} on {}", taken, epochsDir);
            Audit.epochTaken(taken, election.nodeId());
            prune(taken);
            return OptionalLong.of(taken);
        } finally {
            lock.unlock();
        }
    }

    private long acquire() {
        try {
            Files.createDirectories(epochsDir);
            for (int i = 0; i < MAX_ACQUIRE_TRIES; i++) {
                long next = highestEpoch() + 1;
                try {
                    Files.createDirectory(epochsDir.resolve(Long.toString(next)));
                    return next;
                } catch (FileAlreadyExistsException raced) {
                    LOG.debug("Epoch {} was taken by another node first; trying the next", next);
                }
            }
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.TASK_STORE_IO, "cannot create a leader epoch in " + epochsDir, e);
        }
        throw new MigrateException(ErrorCode.FENCED, "no free leader epoch after " + MAX_ACQUIRE_TRIES + " tries");
    }

    /**
     * @return the highest epoch on the task root, 0 when none
     * @throws IOException if the directory cannot be listed
     */
    long highestEpoch() throws IOException {
        long max = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(epochsDir)) {
            for (Path p : dirs) {
                String name = p.getFileName().toString();
                try {
                    max = Math.max(max, Long.parseLong(name));
                } catch (NumberFormatException ignored) {
                    // not an epoch (an operator's file): irrelevant to fencing
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        return max;
    }

    private void prune(long current) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(epochsDir)) {
            for (Path p : dirs) {
                try {
                    if (Long.parseLong(p.getFileName().toString()) < current - EPOCHS_KEPT) {
                        Files.deleteIfExists(p);
                    }
                } catch (NumberFormatException ignored) {
                    // not ours
                } catch (IOException e) {
                    LOG.debug("Could not prune old epoch {}: {}", p, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not list {} to prune old epochs: {}", epochsDir, e.toString());
        }
    }

    /**
     * Called immediately before each batch of moves: asks the election afresh and checks that no
     * higher epoch exists. On failure the gate closes (and, if fenced, drops its epoch).
     *
     * @return true if the batch may proceed
     */
    public boolean checkBatch() {
        if (!active || lifecycle.isClosed()) {
            return false;
        }
        LeadershipState state = election.revalidate();
        if (state != LeadershipState.LEADER) {
            relinquish("revalidated state " + state);
            return false;
        }
        long mine = epoch;
        long highest;
        try {
            highest = highestEpoch();
        } catch (IOException e) {
            // Cannot prove we are not fenced: do not act this time, keep the epoch.
            LOG.warn("Cannot list {}; skipping this batch: {}", epochsDir, e.toString());
            return false;
        }
        if (highest > mine) {
            lock.lock();
            try {
                if (epoch == mine && mine != 0) {
                    fencings.incrementAndGet();
                    fencedRecently = true;
                    fencedAtNanos = nanoTicker.getAsLong();
                    LOG.warn("Fenced: epoch {} exists above ours ({}); leader-side moves stop", highest, mine);
                    Audit.fenced(mine, highest);
                    drop("fenced by epoch " + highest);
                }
            } finally {
                lock.unlock();
            }
            return false;
        }
        return active && epoch == mine && mine != 0;
    }

    /** @return this node's id, as the election knows it */
    public String nodeId() {
        return election.nodeId();
    }

    /** @return whether moves may continue: an epoch is held and no loss of leadership was heard */
    public boolean isActive() {
        return active && !lifecycle.isClosed();
    }

    /** @return the held epoch, 0 when none */
    public long epoch() {
        return epoch;
    }

    /** @return how long the current epoch has been held, {@link Duration#ZERO} when none */
    public Duration leadershipAge() {
        if (epoch == 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(nanoTicker.getAsLong() - epochTakenNanos);
    }

    /** @return how often this gate was fenced by a higher epoch (a rising count warns of split brain) */
    public long fencings() {
        return fencings.get();
    }

    private void relinquish(String why) {
        if (epoch == 0 && !active) {
            return;
        }
        lock.lock();
        try {
            drop(why);
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds {@link #lock}. */
    private void drop(String why) {
        if (epoch != 0) {
            LOG.info("Giving up leader epoch {}: {}", epoch, why);
        }
        active = false;
        epoch = 0;
    }

    /** Stops listening and closes the gate. Idempotent. */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        election.removeListener(listener);
        relinquish("closed");
    }
}
