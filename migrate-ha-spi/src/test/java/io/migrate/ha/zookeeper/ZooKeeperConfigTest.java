package io.migrate.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ZooKeeperConfigTest {

    private static ZooKeeperConfig custom() {
        return ZooKeeperConfig.builder().nodeId("node-a").connectString("zk1:2181,zk2:2181")
                .sessionTimeout(Duration.ofSeconds(9)).connectionTimeout(Duration.ofSeconds(2))
                .startTimeout(Duration.ZERO).revalidateTimeout(Duration.ofSeconds(1)).basePath("/m")
                .knownNodes(Set.of("node-a", "node-b")).build();
    }

    @Test
    void toBuilderBuildsAConfigEqualInEveryGetter() {
        ZooKeeperConfig c = custom();
        ZooKeeperConfig copy = c.toBuilder().build();
        assertThat(copy.nodeId()).isEqualTo(c.nodeId());
        assertThat(copy.connectString()).isEqualTo(c.connectString());
        assertThat(copy.sessionTimeout()).isEqualTo(c.sessionTimeout());
        assertThat(copy.connectionTimeout()).isEqualTo(c.connectionTimeout());
        assertThat(copy.startTimeout()).isEqualTo(c.startTimeout());
        assertThat(copy.revalidateTimeout()).isEqualTo(c.revalidateTimeout());
        assertThat(copy.basePath()).isEqualTo(c.basePath());
        assertThat(copy.knownNodes()).isEqualTo(c.knownNodes());
    }

    @Test
    void changingTheReopenedBuilderLeavesTheConfigAlone() {
        ZooKeeperConfig c = custom();
        ZooKeeperConfig other = c.toBuilder().nodeId("node-b").basePath("/n").build();
        assertThat(other.nodeId()).isEqualTo("node-b");
        assertThat(other.connectString()).isEqualTo("zk1:2181,zk2:2181");
        assertThat(c.nodeId()).isEqualTo("node-a");
        assertThat(c.basePath()).isEqualTo("/m");
    }

    @Test
    void errorsNameTheKeyAnOperatorWrites() {
        assertThat(error(custom().toBuilder().connectString(" ")).key()).isEqualTo("ha.zookeeper.connect");
        assertThat(error(custom().toBuilder().sessionTimeout(Duration.ZERO)).key())
                .isEqualTo("ha.zookeeper.sessionTimeout");
        ConfigurationException e = error(custom().toBuilder().startTimeout(Duration.ofSeconds(-1)));
        assertThat(e.key()).isEqualTo("ha.zookeeper.startTimeout");
        assertThat(e).hasMessageContaining("ha.zookeeper.startTimeout").hasMessageContaining("must be zero or positive");
        assertThat(error(custom().toBuilder().nodeId("a/b")).key()).isEqualTo("node.id");
    }

    private static ConfigurationException error(ZooKeeperConfig.Builder b) {
        return catchThrowableOfType(ConfigurationException.class, b::build);
    }
}
