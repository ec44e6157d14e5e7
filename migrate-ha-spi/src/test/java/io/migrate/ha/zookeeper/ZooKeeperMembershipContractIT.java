package io.migrate.ha.zookeeper;

import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MembershipContract} against {@link ZooKeeperMembership} on a 3-server ZooKeeper ensemble. */
class ZooKeeperMembershipContractIT extends MembershipContract {
    @RegisterExtension
    static final ZooKeeperClusterFixture zk = new ZooKeeperClusterFixture();

    private String base;

    @BeforeEach
    void newGroup() {
        base = ZooKeeperClusterFixture.newBasePath();
    }

    @Override
    protected Membership newMember(String nodeId) {
        return new ZooKeeperMembership(zk.config(nodeId, base));
    }
}
