package io.migrate.ha.ctdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.spi.HaContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CtdbHaProviderTest {
    private static HaContext context(Map<String, String> props) {
        return new HaContext("node-b", Path.of("/tmp/unused"), props, Clock.systemUTC());
    }

    private static ConfigurationException error(Map<String, String> props) {
        return catchThrowableOfType(ConfigurationException.class, () -> CtdbHaProvider.config(context(props)));
    }

    @Test
    void readsEveryKey() {
        CtdbConfig c = CtdbHaProvider.config(context(Map.of(
                "ctdb.nodes", "0:node-a, 1:node-b,2:node-c",
                "ctdb.command", "/usr/bin/ctdb",
                "ctdb.env", "CTDB_SOCKET:/run/x/ctdbd.socket,CTDB_BASE:/etc/x",
                "ctdb.timeout", "5s", "ctdb.pollInterval", "500ms", "ctdb.leaderCommand", "recmaster")));
        assertThat(c.nodes()).containsEntry(0, "node-a").containsEntry(2, "node-c");
        assertThat(c.environment()).containsEntry("CTDB_SOCKET", "/run/x/ctdbd.socket");
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.leaderCommand()).isEqualTo(CtdbConfig.LeaderCommand.RECMASTER);
    }

    @Test
    void namesTheBadKey() {
        assertThat(error(Map.of()).key()).isEqualTo("ha.ctdb.nodes");
        assertThat(error(Map.of("ctdb.nodes", "a:node-b")).key()).isEqualTo("ha.ctdb.nodes");
        assertThat(error(Map.of("ctdb.nodes", "0:node-a")).key()).as("this node unmapped").isEqualTo("ha.ctdb.nodes");
        assertThat(error(Map.of("ctdb.nodes", "1:node-b", "ctdb.leaderCommand", "boss")).getMessage())
                .contains("ha.ctdb.leaderCommand").contains("auto, leader, recmaster");
        assertThat(error(Map.of("ctdb.nodes", "1:node-b", "ctdb.timeout", "100ms")).key()).isEqualTo("ha.ctdb.timeout");
    }
}
