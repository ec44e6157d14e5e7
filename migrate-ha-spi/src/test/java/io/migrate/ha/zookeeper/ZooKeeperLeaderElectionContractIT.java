package io.migrate.ha.zookeeper;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeaderElectionContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LeaderElectionContract} against {@link ZooKeeperLeaderElection} on a 3-server ZooKeeper ensemble. */
class ZooKeeperLeaderElectionContractIT extends LeaderElectionContract {
    @RegisterExtension
    static final ZooKeeperClusterFixture zk = new ZooKeeperClusterFixture();

    private String base;

    @BeforeEach
    void newElection() {
        base = ZooKeeperClusterFixture.newBasePath();
    }

    @Override
    protected LeaderElection newParticipant(String nodeId) {
        return new ZooKeeperLeaderElection(zk.config(nodeId, base));
    }
}
