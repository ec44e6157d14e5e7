package io.migrate.benchmarks.harness;

import io.migrate.ha.zookeeper.ZooKeeperConfig;
import io.migrate.ha.zookeeper.ZooKeeperLeaderElection;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Item 6, the child JVMs the failover benchmark SIGKILLs: {@code backend <config.properties>} runs
 * a {@link MigrationNode} from a configuration file; {@code zk <connect> <nodeId> <sessionMs>}
 * joins a ZooKeeper election and prints {@code STATE <epochMillis> <state>} on every change.
 * Both run until killed.
 */
public final class FailoverChild {
    private FailoverChild() {
    }

    /**
     * @param args mode and its arguments (see the class comment)
     * @throws Exception if the node cannot start
     */
    public static void main(String[] args) throws Exception {
        CountDownLatch forever = new CountDownLatch(1);
        if (args[0].equals("backend")) {
            MigrationNode node = NodeConfiguration.load(Path.of(args[1])).build();
            node.start();
            System.out.println("STARTED " + node.nodeId());
            forever.await();
        } else {
            ZooKeeperLeaderElection election = new ZooKeeperLeaderElection(ZooKeeperConfig.builder()
                    .connectString(args[1]).nodeId(args[2])
                    .sessionTimeout(Duration.ofMillis(Long.parseLong(args[3]))).build());
            election.addListener((previous, current) -> System.out.printf("STATE %d %s%n",
                    System.currentTimeMillis(), current));
            election.start();
            System.out.printf("STATE %d %s%n", System.currentTimeMillis(), election.state());
            forever.await();
        }
    }
}
