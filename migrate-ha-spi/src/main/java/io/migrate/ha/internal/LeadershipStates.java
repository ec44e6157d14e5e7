package io.migrate.ha.internal;

import io.migrate.ha.spi.LeadershipListener;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Lifecycle;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current {@link LeadershipState} of one election plus its listeners: every change is logged
 * at INFO and delivered once, in order, from one notifier thread ({@code migrate-ha-leader-N}).
 *
 * <p>Internal: not part of the API. Thread-safe: {@link #set} may be called from any thread; the
 * compare-and-publish is atomic, so listeners see the same order as {@link #get()}.
 */
public final class LeadershipStates implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeadershipStates.class);

    private final String nodeId;
    private final SerialNotifier<LeadershipListener> notifier = new SerialNotifier<>("ha-leader");
    /** Guards compare-and-publish of {@link #state}; never held across I/O. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile LeadershipState state = LeadershipState.UNKNOWN;
    /** Runs from construction; {@link #close()} ends it (one state, one CAS). */
    private final Lifecycle lifecycle = Lifecycle.started("leadership states");

    /** @param nodeId this node, for the log */
    public LeadershipStates(String nodeId) {
        this.nodeId = nodeId;
    }

    /** @return the current state, without I/O */
    public LeadershipState get() {
        return state;
    }

    /**
     * Sets the state; if it changed, logs and notifies listeners.
     *
     * @param next the new state
     * @param reason why, for the log
     * @return the state now held (ignores changes after {@link #close()}, except to NOT_LEADER)
     */
    public LeadershipState set(LeadershipState next, String reason) {
        lock.lock();
        try {
            LeadershipState previous = state;
            if (previous == next || (lifecycle.isClosed() && next != LeadershipState.NOT_LEADER)) {
                return state;
            }
            state = next;
            LOG.info("node {} leadership {} -> {} ({})", nodeId, previous, next, reason);
            notifier.publish(l -> l.onLeadershipChange(previous, next));
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** @param listener added */
    public void add(LeadershipListener listener) {
        notifier.add(listener);
    }

    /** @param listener removed */
    public void remove(LeadershipListener listener) {
        notifier.remove(listener);
    }

    /**
     * Moves to NOT_LEADER (notifying), then stops the notifier after delivering what is queued.
     * Idempotent. Closed first, so a concurrent {@code set(LEADER)} can no longer win after it.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        set(LeadershipState.NOT_LEADER, "closed");
        notifier.close();
    }
}
