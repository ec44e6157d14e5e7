package io.migrate.ha.fixed;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeaderElectionContract;

/** {@link LeaderElectionContract} against {@link FixedLeaderElection} (leader named in the configuration). */
class FixedLeaderElectionContractTest extends LeaderElectionContract {
    @Override
    protected LeaderElection newParticipant(String nodeId) {
        return new FixedLeaderElection(nodeId, participants().get(0));
    }

    @Override
    protected boolean failsOver() {
        return false; // a fixed leader is not replaced by an election
    }
}
