package io.migrate.examples;

import io.migrate.ha.HighAvailability;
import io.migrate.kafka.KafkaResultPublisher;
import io.migrate.kafka.KafkaResultPublisherConfig;
import io.migrate.move.MoverConfig;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeRole;
import io.migrate.s3.S3Transport;
import io.migrate.s3.S3TransportConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * How a backend process embeds migrate: execute the tasks assigned to this node with the
 * parallel mover to an S3 cluster and publish results to Kafka. Copy and adapt.
 */
public final class BackendEmbedding {
    private BackendEmbedding() {
    }

    /**
     * @param args unused
     * @throws InterruptedException if interrupted while running
     */
    public static void main(String[] args) throws InterruptedException {
        Path taskRoot = Path.of("/mnt/nas/.migrate");
        HighAvailability ha = HighAvailability.fromProperties("backend-1", taskRoot, Map.of(
                "ha.type", "zookeeper",
                "ha.zookeeper.connect", "zk-1:2181,zk-2:2181,zk-3:2181"));
        MigrationNode backend = MigrationNode.builder()
                .nodeId("backend-1")
                .taskRoot(taskRoot)
                .roles(NodeRole.BACKEND)
                .highAvailability(ha.election(), ha.membership())
                .transport(S3Transport.create(S3TransportConfig.builder()
                        .endpoints(List.of(URI.create("http://s3-a:9000"), URI.create("http://s3-b:9000")))
                        .bucket("archive")
                        .build())) // credentials from the AWS SDK's default provider chain
                .moverConfig(MoverConfig.builder()
                        .allowSourceRoot(Path.of("/mnt/nas/projects"))
                        .threads(16)
                        .maxInFlightBytes(512L << 20)
                        .build())
                .publisher(KafkaResultPublisher.create(KafkaResultPublisherConfig.builder()
                        .bootstrapServers("kafka-1:9092")
                        .topic("migrate-results")
                        .build()))
                .build();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            backend.close(); // cancels running tasks (bounded), they resume on restart or elsewhere
            stop.countDown();
        }));
        backend.start();
        stop.await();
    }
}
