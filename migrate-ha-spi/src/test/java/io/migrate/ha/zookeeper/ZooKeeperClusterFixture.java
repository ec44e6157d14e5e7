package io.migrate.ha.zookeeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real 3-server ZooKeeper ensemble (Curator's {@link TestingCluster}) with a short tick so
 * sessions can be short and the suite stays fast: tick 200 ms allows sessions of 0.4-4 s.
 * A JUnit extension: register it as a static field, it starts before and stops after the class.
 */
final class ZooKeeperClusterFixture implements BeforeAllCallback, AfterAllCallback {
    static final int TICK_MS = 200;
    static final Duration SESSION_TIMEOUT = Duration.ofMillis(2_000);
    static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(1_000);
    private static final AtomicInteger PATHS = new AtomicInteger();

    TestingCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, id, TICK_MS, -1));
        }
        cluster = new TestingCluster(specs);
        cluster.start();
    }

    /** A configuration with a base path unique to the caller, so tests do not see each other. */
    ZooKeeperConfig config(String node) {
        return config(node, "/it-" + PATHS.incrementAndGet());
    }

    ZooKeeperConfig config(String node, String basePath) {
        return ZooKeeperConfig.builder().nodeId(node).connectString(cluster.getConnectString())
                .sessionTimeout(SESSION_TIMEOUT).connectionTimeout(CONNECTION_TIMEOUT)
                .revalidateTimeout(Duration.ofSeconds(2)).basePath(basePath).build();
    }

    static String newBasePath() {
        return "/it-" + PATHS.incrementAndGet();
    }

    @Override
    public void afterAll(ExtensionContext context) throws java.io.IOException {
        if (cluster != null) {
            cluster.close();
        }
    }
}
