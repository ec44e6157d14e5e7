package io.migrate.ha.ctdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CtdbConfigTest {

    private static CtdbConfig custom() {
        return CtdbConfig.builder().nodeId("node-b").command("/usr/bin/ctdb")
                .environment(Map.of("CTDB_SOCKET", "/run/ctdb/ctdbd.socket")).timeout(Duration.ofSeconds(5))
                .pollInterval(Duration.ofSeconds(1)).leaderCommand(CtdbConfig.LeaderCommand.RECMASTER)
                .nodes(Map.of(0, "node-a", 1, "node-b")).build();
    }

    @Test
    void toBuilderBuildsAConfigEqualInEveryGetter() {
        CtdbConfig c = custom();
        CtdbConfig copy = c.toBuilder().build();
        assertThat(copy.nodeId()).isEqualTo(c.nodeId());
        assertThat(copy.command()).isEqualTo(c.command());
        assertThat(copy.environment()).isEqualTo(c.environment());
        assertThat(copy.timeout()).isEqualTo(c.timeout());
        assertThat(copy.pollInterval()).isEqualTo(c.pollInterval());
        assertThat(copy.leaderCommand()).isEqualTo(c.leaderCommand());
        assertThat(copy.nodes()).isEqualTo(c.nodes());
    }

    @Test
    void changingTheReopenedBuilderLeavesTheConfigAlone() {
        CtdbConfig c = custom();
        CtdbConfig other = c.toBuilder().nodeId("node-a").timeout(Duration.ofSeconds(2)).build();
        assertThat(other.nodeId()).isEqualTo("node-a");
        assertThat(other.nodes()).isEqualTo(c.nodes());
        assertThat(c.nodeId()).isEqualTo("node-b");
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void errorsNameTheKeyAnOperatorWrites() {
        ConfigurationException e = error(custom().toBuilder().timeout(Duration.ofMillis(100)));
        assertThat(e.key()).isEqualTo("ha.ctdb.timeout");
        assertThat(e).hasMessageContaining("ha.ctdb.timeout").hasMessageContaining("must be in [1s, 60s]");
        assertThat(error(custom().toBuilder().command("")).key()).isEqualTo("ha.ctdb.command");
        assertThat(error(custom().toBuilder().nodes(Map.of())).key()).isEqualTo("ha.ctdb.nodes");
        assertThat(error(custom().toBuilder().nodeId(null)).key()).isEqualTo("node.id");
    }

    private static ConfigurationException error(CtdbConfig.Builder b) {
        return catchThrowableOfType(ConfigurationException.class, b::build);
    }
}
