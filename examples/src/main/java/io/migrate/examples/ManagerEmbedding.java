package io.migrate.examples;

import io.migrate.ha.HighAvailability;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeRole;
import io.migrate.node.TaskHandle;
import io.migrate.task.FileEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How management software embeds migrate: accept a request, submit it as a task, and take part
 * in the leader election (the leader dispatches and reclaims). Copy and adapt.
 */
public final class ManagerEmbedding {
    private ManagerEmbedding() {
    }

    /**
     * @param args unused
     */
    public static void main(String[] args) {
        Path taskRoot = Path.of("/mnt/nas/.migrate");
        // Leadership through ZooKeeper; needs curator-recipes on the class path.
        HighAvailability ha = HighAvailability.fromProperties("manager-1", taskRoot, Map.of(
                "ha.type", "zookeeper",
                "ha.zookeeper.connect", "zk-1:2181,zk-2:2181,zk-3:2181"));
        try (MigrationNode manager = MigrationNode.builder()
                .nodeId("manager-1")
                .taskRoot(taskRoot)
                .roles(NodeRole.MANAGER)
                .highAvailability(ha.election(), ha.membership())
                .build()) {
            manager.start();

            // A migration request from the storage platform: durable in pending/ when this returns.
            TaskHandle handle = manager.submit("/mnt/nas/projects",
                    List.of(new FileEntry("alpha/report.pdf", "projects/alpha/report.pdf"),
                            new FileEntry("alpha/data.bin", "projects/alpha/data.bin")),
                    Map.of("requestId", "req-4711", "batchId", "b-17"));

            // Ask for its state whenever needed (results also arrive on Kafka)...
            System.out.println(manager.status().status(handle.taskId()).orElseThrow());
            // ... or be told when it and its retries are over (this node never runs it: the
            // future reads the result from the task root).
            handle.result().thenAccept(r -> System.out.println(handle.taskId() + " ended " + r.outcome()));
        }
    }
}
