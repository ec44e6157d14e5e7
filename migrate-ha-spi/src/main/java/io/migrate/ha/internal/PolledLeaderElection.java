package io.migrate.ha.internal;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeadershipListener;
import io.migrate.ha.spi.LeadershipState;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A {@link LeaderElection} whose state is a check run at a fixed poll interval (an address
 * lookup, a {@code ctdb} command) and on every {@link #revalidate()}.
 *
 * <p>Internal: not part of the API. Threads owned: one poller ({@code migrate-<role>-N}) and the
 * notifier of {@link LeadershipStates}. Checks never overlap: the poller and revalidate callers
 * take {@link #checkLock} in turn, so a slow old answer cannot overwrite a newer one.
 */
public abstract class PolledLeaderElection implements LeaderElection {
    private static final Logger LOG = LoggerFactory.getLogger(PolledLeaderElection.class);

    private final String nodeId;
    private final Duration pollInterval;
    private final String role;
    private final LeadershipStates states;
    /** Serialises checks; held across the check's I/O by design (one check at a time). */
    private final ReentrantLock checkLock = new ReentrantLock();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ScheduledExecutorService poller;

    /**
     * @param nodeId this node
     * @param pollInterval period of the background check
     * @param role thread name role, e.g. {@code ha-vip}
     */
    protected PolledLeaderElection(String nodeId, Duration pollInterval, String role) {
        this.nodeId = nodeId;
        this.pollInterval = pollInterval;
        this.role = role;
        this.states = new LeadershipStates(nodeId);
    }

    /**
     * Asks the backend. Must not throw for backend failures: answer UNKNOWN instead.
     *
     * @return the fresh state
     */
    protected abstract LeadershipState check();

    /** Called once by {@link #start()} before the first check; default does nothing. */
    protected void onStart() {
    }

    /** Called once by {@link #close()} after the poller stopped; default does nothing. */
    protected void onClose() {
    }

    @Override
    public final String nodeId() {
        return nodeId;
    }

    @Override
    public final void start() {
        if (closed.get()) {
            throw new IllegalStateException("election is closed");
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        onStart();
        ScheduledExecutorService p = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory(role));
        poller = p;
        p.scheduleWithFixedDelay(this::pollSafely, 0, pollInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public final LeadershipState state() {
        return states.get();
    }

    @Override
    public final LeadershipState revalidate() {
        if (closed.get()) {
            return LeadershipState.NOT_LEADER;
        }
        checkLock.lock();
        try {
            LeadershipState fresh;
            try {
                fresh = check();
            } catch (RuntimeException e) {
                LOG.warn("leadership check of node {} failed; state UNKNOWN", nodeId, e);
                fresh = LeadershipState.UNKNOWN;
            }
            if (closed.get()) {
                return LeadershipState.NOT_LEADER;
            }
            states.set(fresh, "checked");
            return fresh;
        } finally {
            checkLock.unlock();
        }
    }

    private void pollSafely() {
        MDC.put("node", nodeId);
        try {
            revalidate();
        } finally {
            MDC.remove("node");
        }
    }

    @Override
    public final void addListener(LeadershipListener listener) {
        states.add(listener);
    }

    @Override
    public final void removeListener(LeadershipListener listener) {
        states.remove(listener);
    }

    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledExecutorService p = poller;
        if (p != null) {
            Executors2.stop(p, true, "leadership poller of node " + nodeId);
        }
        onClose();
        states.close();
    }

    /** @return whether {@link #close()} was called */
    protected final boolean isClosed() {
        return closed.get();
    }
}
