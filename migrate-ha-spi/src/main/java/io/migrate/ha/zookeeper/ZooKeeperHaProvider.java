package io.migrate.ha.zookeeper;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.internal.HaProperties;
import io.migrate.ha.spi.HaContext;
import io.migrate.ha.spi.HaProvider;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.Membership;
import java.time.Duration;
import java.util.Map;

/**
 * {@code ha.type=zookeeper}: Curator {@code LeaderLatch} election and ephemeral-node membership.
 * Keys: {@code ha.zookeeper.connect} (required), {@code ha.zookeeper.sessionTimeout},
 * {@code ha.zookeeper.connectionTimeout}, {@code ha.zookeeper.startTimeout}, {@code ha.zookeeper.revalidateTimeout},
 * {@code ha.zookeeper.path}, {@code ha.nodes}.
 *
 * <p>This class references no Curator type, so {@link java.util.ServiceLoader} can list it when
 * Curator is absent; creating anything then fails with a {@link ConfigurationException} that
 * names the missing dependency. Stateless, thread-safe. Election and membership each own a
 * client (a session each).
 */
public final class ZooKeeperHaProvider implements HaProvider {
    /** ServiceLoader constructor. */
    public ZooKeeperHaProvider() {
    }

    @Override
    public String type() {
        return "zookeeper";
    }

    @Override
    public LeaderElection createElection(HaContext context) {
        requireCurator();
        return new ZooKeeperLeaderElection(config(context));
    }

    @Override
    public Membership createMembership(HaContext context) {
        requireCurator();
        return new ZooKeeperMembership(config(context));
    }

    private static void requireCurator() {
        try {
            Class.forName("org.apache.curator.framework.recipes.leader.LeaderLatch", false,
                    ZooKeeperHaProvider.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigurationException(HaProperties.fullKey("type"),
                    "zookeeper needs org.apache.curator:curator-recipes on the class path");
        }
    }

    static ZooKeeperConfig config(HaContext context) {
        HaProperties p = new HaProperties(context);
        return HaProperties.build(Map.of(),
                "zookeeper", () -> ZooKeeperConfig.builder()
                .nodeId(context.nodeId())
                .connectString(p.required("zookeeper.connect", "the ensemble as host:port[,host:port...]"))
                .sessionTimeout(p.duration("zookeeper.sessionTimeout", ZooKeeperConfig.DEFAULT_SESSION_TIMEOUT))
                .connectionTimeout(p.duration("zookeeper.connectionTimeout", ZooKeeperConfig.DEFAULT_CONNECTION_TIMEOUT))
                .revalidateTimeout(p.duration("zookeeper.revalidateTimeout", ZooKeeperConfig.DEFAULT_REVALIDATE_TIMEOUT))
                // "0" (or "0s") = do not wait; any other value must be a positive duration
                .startTimeout(p.optional("zookeeper.startTimeout").filter(v -> v.matches("0+[a-z]*"))
                        .map(v -> Duration.ZERO)
                        .orElseGet(() -> p.duration("zookeeper.startTimeout", ZooKeeperConfig.DEFAULT_START_TIMEOUT)))
                .basePath(p.optional("zookeeper.path").orElse(ZooKeeperConfig.DEFAULT_BASE_PATH))
                .knownNodes(p.list("nodes"))
                .build());
    }
}
