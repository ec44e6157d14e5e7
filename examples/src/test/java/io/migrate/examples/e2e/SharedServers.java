package io.migrate.examples.e2e;

import io.migrate.kafka.testing.KafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The servers every end-to-end scenario shares, started once per test JVM (failsafe runs all
 * e2e classes in one JVM) and stopped when JUnit closes its root context: a ZooKeeper server
 * (Curator {@link TestingServer}, tick 200 ms so sessions of 3 s are allowed) and a KRaft Kafka
 * broker in a child JVM ({@link KafkaBroker}). JUnit closes it with the root store (an
 * {@link AutoCloseable} value). Scenarios keep apart by a ZooKeeper base path and
 * a Kafka topic of their own. A scenario that stops the broker starts it again before it ends.
 */
final class SharedServers implements AutoCloseable {
    private static final int ZK_TICK_MS = 200;

    final TestingServer zookeeper;
    final KafkaBroker kafka;
    private final Path dir;

    private SharedServers(Path dir) throws Exception {
        this.dir = dir;
        this.zookeeper = new TestingServer(
                new InstanceSpec(Files.createDirectories(dir.resolve("zk")).toFile(), -1, -1, -1, true, 1, ZK_TICK_MS, -1),
                true);
        this.kafka = KafkaBroker.started(Files.createDirectories(dir.resolve("kafka")));
    }

    /**
     * @param context any extension context of the test
     * @return the shared servers, started on first use
     */
    static SharedServers get(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedServers.class, k -> {
                    try {
                        return new SharedServers(Files.createTempDirectory("migrate-e2e-servers"));
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot start the shared e2e servers", e);
                    }
                }, SharedServers.class);
    }

    /** Gives test methods a {@code SharedServers} parameter. */
    static final class Resolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == SharedServers.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return get(context);
        }
    }

    /** @return the ZooKeeper connect string */
    String zookeeperConnect() {
        return zookeeper.getConnectString();
    }

    /** Kills the broker, stops ZooKeeper and removes their data. */
    @Override
    public void close() throws IOException {
        try {
            kafka.close();
        } finally {
            zookeeper.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
