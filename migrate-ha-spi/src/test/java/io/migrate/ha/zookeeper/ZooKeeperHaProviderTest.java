package io.migrate.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.spi.HaContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZooKeeperHaProviderTest {
    private static HaContext context(Map<String, String> props) {
        return new HaContext("node-a", Path.of("/tmp/unused"), props, Clock.systemUTC());
    }

    @Test
    void connectStringIsRequiredAndNamed() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> ZooKeeperHaProvider.config(context(Map.of())));
        assertThat(e.key()).isEqualTo("ha.zookeeper.connect");
    }

    @Test
    void readsEveryKeyWithDefaults() {
        ZooKeeperConfig c = ZooKeeperHaProvider.config(context(Map.of("zookeeper.connect", "zk1:2181,zk2:2181",
                "zookeeper.sessionTimeout", "6s", "nodes", "node-a,node-b")));
        assertThat(c.connectString()).isEqualTo("zk1:2181,zk2:2181");
        assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.connectionTimeout()).isEqualTo(ZooKeeperConfig.DEFAULT_CONNECTION_TIMEOUT);
        assertThat(c.basePath()).isEqualTo("/migrate");
        assertThat(c.latchPath()).isEqualTo("/migrate/leader");
        assertThat(c.knownNodes()).containsExactlyInAnyOrder("node-a", "node-b");
    }

    @Test
    void rejectsRelativeBasePath() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> ZooKeeperConfig.builder().nodeId("a").connectString("zk:2181").basePath("migrate/").build());
        assertThat(e.key()).isEqualTo("ha.zookeeper.path");
    }
}
