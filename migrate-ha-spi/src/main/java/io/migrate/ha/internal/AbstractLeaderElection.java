package io.migrate.ha.internal;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeadershipListener;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Lifecycle;

/**
 * What every {@link LeaderElection} here shares: the node id, the state with its listeners
 * ({@link LeadershipStates}), and a start-once / close-once lifecycle in which closing moves
 * the state to NOT_LEADER before anything else stops.
 *
 * <p>Internal: not part of the API. Thread-safe.
 */
public abstract class AbstractLeaderElection implements LeaderElection {
    private final String nodeId;
    /** The state and its listeners; subclasses set it. */
    protected final LeadershipStates states;
    private final Lifecycle lifecycle = new Lifecycle("election");

    /** @param nodeId this node */
    protected AbstractLeaderElection(String nodeId) {
        this.nodeId = nodeId;
        this.states = new LeadershipStates(nodeId);
    }

    /** Runs once, on the first {@link #start()}. */
    protected abstract void doStart();

    /** Runs once, on the first {@link #close()}, after the state became NOT_LEADER. */
    protected abstract void doClose();

    @Override
    public final String nodeId() {
        return nodeId;
    }

    /**
     * Joins the election once; later calls do nothing.
     *
     * @throws IllegalStateException if closed
     */
    @Override
    public final void start() {
        if (lifecycle.start()) {
            doStart();
        }
    }

    /**
     * The cached state, except that a cached LEADER is reported as UNKNOWN when
     * {@link #leaderStillPlausible()} says the backend link is already gone (listeners hear of it
     * a moment later, when the backend's event arrives).
     */
    @Override
    public final LeadershipState state() {
        LeadershipState s = states.get();
        return s == LeadershipState.LEADER && !leaderStillPlausible() ? LeadershipState.UNKNOWN : s;
    }

    /**
     * A check without I/O that can veto a cached LEADER at once, before the event that will
     * change the state has been processed. Default: true.
     *
     * @return false if this node certainly cannot act as leader right now
     */
    protected boolean leaderStillPlausible() {
        return true;
    }

    @Override
    public final void addListener(LeadershipListener listener) {
        states.add(listener);
    }

    @Override
    public final void removeListener(LeadershipListener listener) {
        states.remove(listener);
    }

    /** NOT_LEADER first (no mutation may start once the node begins to leave), then stops. */
    @Override
    public final void close() {
        if (!lifecycle.close()) {
            return;
        }
        states.set(LeadershipState.NOT_LEADER, "closing");
        try {
            doClose();
        } finally {
            states.close();
        }
    }

    /** @return whether {@link #start()} ran */
    protected final boolean isStarted() {
        return lifecycle.wasStarted();
    }

    /** @return whether {@link #close()} was called */
    protected final boolean isClosed() {
        return lifecycle.isClosed();
    }
}
