package io.migrate.ha.fixed;

import io.migrate.ha.internal.AbstractLeaderElection;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Require;
import java.util.Optional;

/**
 * Leadership fixed by configuration: the node whose id equals the configured leader id leads,
 * every other node does not. No failover: if the leader dies, nobody leads until an operator
 * changes the configuration. Two nodes configured differently both lead; the task root's epochs
 * and renames keep that safe (extra work, no lost task).
 *
 * <p>Thread-safety: all methods may be called from any thread; no thread is owned except the
 * notifier ({@code migrate-ha-leader-N}). {@link #close()} is idempotent.
 */
public final class FixedLeaderElection extends AbstractLeaderElection {
    private final String leaderId;

    /**
     * @param nodeId this node's id
     * @param leaderId the configured leader's id
     * @throws io.migrate.error.ConfigurationException if either is blank
     */
    public FixedLeaderElection(String nodeId, String leaderId) {
        super(Require.nonBlank("nodeId", nodeId));
        this.leaderId = Require.nonBlank("leader", leaderId);
    }

    /** Moves to LEADER or NOT_LEADER at once (listeners are told). */
    @Override
    protected void doStart() {
        revalidate();
    }

    /** @return LEADER iff this node is the configured leader (and not closed) */
    @Override
    public LeadershipState revalidate() {
        if (isClosed()) {
            return LeadershipState.NOT_LEADER;
        }
        return states.set(nodeId().equals(leaderId) ? LeadershipState.LEADER : LeadershipState.NOT_LEADER,
                "configured leader is " + leaderId);
    }

    @Override
    public Optional<String> currentLeader() {
        return Optional.of(leaderId);
    }

    @Override
    protected void doClose() {
        // nothing owned besides the notifier
    }
}
