package io.migrate.ha.ctdb;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeaderElectionContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LeaderElectionContract} against {@link CtdbLeaderElection} on a real 3-node CTDB cluster
 * of local daemons (127.0.0.1-3, {@link LocalCtdbCluster}). One cluster serves the class: the
 * suite never changes the cluster, and CTDB's leader is the cluster's (its recovery master), not
 * the participants'. So closing a participant does not move leadership ({@link #failsOver()}
 * false); a dead daemon does, which {@code CtdbClusterIT} shows.
 */
class CtdbLeaderElectionContractIT extends LeaderElectionContract {
    private static final Map<Integer, String> IDS = Map.of(0, "node-a", 1, "node-b", 2, "node-c");

    @TempDir
    static Path dir;
    private static LocalCtdbCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCtdbCluster.startedOrSkip(dir);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static CtdbConfig config(LocalCtdbCluster cluster, String nodeId) {
        int pnn = IDS.entrySet().stream().filter(e -> e.getValue().equals(nodeId)).findFirst().orElseThrow().getKey();
        return CtdbConfig.builder().nodeId(nodeId).nodes(IDS)
                .command(LocalCtdbCluster.find("ctdb").orElseThrow().toString())
                .environment(cluster.clientEnv(pnn)).timeout(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(250)).build();
    }

    @Override
    protected LeaderElection newParticipant(String nodeId) {
        return new CtdbLeaderElection(config(cluster, nodeId));
    }

    @Override
    protected List<String> participants() {
        return List.of("node-a", "node-b", "node-c");
    }

    @Override
    protected boolean failsOver() {
        return false; // the cluster's leader changes when a daemon dies, not when a client closes
    }

    @Override
    protected Duration deadline() {
        return Duration.ofSeconds(60);
    }
}
