package io.migrate.kafka.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Main class of the broker child JVM started by {@link KafkaBroker}: formats the KRaft storage
 * on first start (one JVM start instead of two), then runs {@code kafka.Kafka}.
 *
 * <p>Arguments: {@code <server.properties> <cluster id> <log dir>}.
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {
    }

    /**
     * @param args server.properties path, cluster id, log dir
     */
    public static void main(String[] args) {
        String config = args[0];
        String clusterId = args[1];
        Path logDir = Path.of(args[2]);
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            int rc = kafka.tools.StorageTool.execute(
                    new String[] {"format", "--cluster-id", clusterId, "--config", config, "--ignore-formatted"}, System.out);
            if (rc != 0) {
                System.err.println("StorageTool format failed with exit code " + rc);
                System.exit(rc);
            }
        }
        kafka.Kafka.main(new String[] {config});
    }
}
