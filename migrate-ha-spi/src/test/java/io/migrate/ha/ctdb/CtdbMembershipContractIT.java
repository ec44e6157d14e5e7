package io.migrate.ha.ctdb;

import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipContract;
import io.migrate.ha.spi.MembershipListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MembershipContract} against {@link CtdbMembership} on a real 3-node CTDB cluster of local
 * daemons (127.0.0.1-3), a fresh cluster per test. CTDB's membership is its daemons': a node
 * "stops" when its ctdbd does, so a member made here SIGKILLs its node's daemon when closed (what
 * a host's crash does); the others must then report it down.
 */
class CtdbMembershipContractIT extends MembershipContract {
    private static final Map<String, Integer> PNN = Map.of("node-a", 0, "node-b", 1, "node-c", 2);

    @TempDir
    Path dir;
    private LocalCtdbCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = LocalCtdbCluster.startedOrSkip(dir);
    }

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected Membership newMember(String nodeId) {
        return new NodeWithDaemon(new CtdbMembership(CtdbLeaderElectionContractIT.config(cluster, nodeId)),
                cluster, PNN.get(nodeId));
    }

    @Override
    protected Duration deadline() {
        return Duration.ofSeconds(60);
    }

    /** The member plus its node's daemon: closing it is the node going away. */
    private static final class NodeWithDaemon implements Membership {
        private final CtdbMembership member;
        private final LocalCtdbCluster cluster;
        private final int pnn;

        NodeWithDaemon(CtdbMembership member, LocalCtdbCluster cluster, int pnn) {
            this.member = member;
            this.cluster = cluster;
            this.pnn = pnn;
        }

        @Override
        public void start() {
            member.start();
        }

        @Override
        public Set<String> liveNodes() {
            return member.liveNodes();
        }

        @Override
        public Set<String> knownNodes() {
            return member.knownNodes();
        }

        @Override
        public boolean isAlive(String nodeId) {
            return member.isAlive(nodeId);
        }

        @Override
        public void heartbeat() {
            member.heartbeat();
        }

        @Override
        public void addListener(MembershipListener listener) {
            member.addListener(listener);
        }

        @Override
        public void removeListener(MembershipListener listener) {
            member.removeListener(listener);
        }

        @Override
        public void close() {
            member.close();
            try {
                cluster.kill(pnn); // a second kill of a dead daemon does nothing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
