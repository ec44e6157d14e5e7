package io.migrate.ha.fixed;

import io.migrate.error.Require;
import io.migrate.ha.internal.LeadershipStates;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeadershipListener;
import io.migrate.ha.spi.LeadershipState;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leadership fixed by configuration: the node whose id equals the configured leader id leads,
 * every other node does not. No failover: if the leader dies, nobody leads until an operator
 * changes the configuration. Two nodes configured differently both lead; the task root's epochs
 * and renames keep that safe (extra work, no lost task).
 *
 * <p>Thread-safety: all methods may be called from any thread; no thread is owned except the
 * notifier ({@code migrate-ha-leader-N}). {@link #close()} is idempotent.
 */
public final class FixedLeaderElection implements LeaderElection {
    private final String nodeId;
    private final String leaderId;
    private final LeadershipStates states;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param nodeId this node's id
     * @param leaderId the configured leader's id
     * @throws io.migrate.error.ConfigurationException if either is blank
     */
    public FixedLeaderElection(String nodeId, String leaderId) {
        this.nodeId = Require.nonBlank("nodeId", nodeId);
        this.leaderId = Require.nonBlank("leader", leaderId);
        this.states = new LeadershipStates(nodeId);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    /** Moves to LEADER or NOT_LEADER at once (listeners are told). */
    @Override
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("election is closed");
        }
        revalidate();
    }

    @Override
    public LeadershipState state() {
        return states.get();
    }

    /** @return LEADER iff this node is the configured leader (and not closed) */
    @Override
    public LeadershipState revalidate() {
        if (closed.get()) {
            return LeadershipState.NOT_LEADER;
        }
        return states.set(nodeId.equals(leaderId) ? LeadershipState.LEADER : LeadershipState.NOT_LEADER,
                "configured leader is " + leaderId);
    }

    @Override
    public Optional<String> currentLeader() {
        return Optional.of(leaderId);
    }

    @Override
    public void addListener(LeadershipListener listener) {
        states.add(listener);
    }

    @Override
    public void removeListener(LeadershipListener listener) {
        states.remove(listener);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            states.close();
        }
    }
}
