package io.migrate.ha.internal;

import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Executors2;
import io.migrate.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A leader election whose state is a check run at a fixed poll interval (an address lookup, a
 * {@code ctdb} command) and on every {@link #revalidate()}.
 *
 * <p>Internal: not part of the API. Threads owned: one poller ({@code migrate-<role>-N}) and the
 * notifier of {@link LeadershipStates}. Checks never overlap: the poller and revalidate callers
 * take {@link #checkLock} in turn, so a slow old answer cannot overwrite a newer one.
 */
public abstract class PolledLeaderElection extends AbstractLeaderElection {
    private static final Logger LOG = LoggerFactory.getLogger(PolledLeaderElection.class);

    private final Duration pollInterval;
    private final String role;
    /** Serialises checks; held across the check's I/O by design (one check at a time). */
    private final ReentrantLock checkLock = new ReentrantLock();
    private volatile ScheduledExecutorService poller;

    /**
     * @param nodeId this node
     * @param pollInterval period of the background check
     * @param role thread name role, e.g. {@code ha-vip}
     */
    protected PolledLeaderElection(String nodeId, Duration pollInterval, String role) {
        super(nodeId);
        this.pollInterval = pollInterval;
        this.role = role;
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
    protected final void doStart() {
        onStart();
        ScheduledExecutorService p = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory(role));
        poller = p;
        p.scheduleWithFixedDelay(this::pollSafely, 0, pollInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public final LeadershipState revalidate() {
        if (isClosed()) {
            return LeadershipState.NOT_LEADER;
        }
        checkLock.lock();
        try {
            LeadershipState fresh;
            try {
                fresh = check();
            } catch (RuntimeException e) {
                LOG.warn("leadership check of node {} failed; state UNKNOWN", nodeId(), e);
                fresh = LeadershipState.UNKNOWN;
            }
            if (isClosed()) {
                return LeadershipState.NOT_LEADER;
            }
            states.set(fresh, "checked");
            return fresh;
        } finally {
            checkLock.unlock();
        }
    }

    private void pollSafely() {
        MDC.put("node", nodeId());
        try {
            revalidate();
        } finally {
            MDC.remove("node");
        }
    }

    @Override
    protected final void doClose() {
        ScheduledExecutorService p = poller;
        if (p != null) {
            Executors2.stop(p, true, "leadership poller of node " + nodeId());
        }
        onClose();
    }
}
