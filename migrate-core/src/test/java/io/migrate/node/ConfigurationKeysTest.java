package io.migrate.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key a node is given through {@link NodeConfiguration} is read or reported, and every
 * problem is reported in one exception (issue #18, "unknown keys").
 */
class ConfigurationKeysTest {
    @TempDir
    Path dir;

    private Map<String, String> valid(String roles) {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", "node-1");
        p.put("node.roles", roles);
        p.put("task.root", dir.resolve("root").toString());
        p.put("ha.type", "static");
        p.put("ha.static.leader", "node-1");
        p.put("transport.type", "posix");
        p.put("transport.posix.root", dir.resolve("dest").toString());
        p.put("mover.allowedSourceRoots", dir.resolve("src").toString());
        return p;
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Map<String, String> p = valid("manager,backend");
        p.put("dispatch.tick", "soon");              // a bad value
        p.put("mover.treads", "4");                  // a typo
        p.put("nodes.id", "x");                      // no meaning at all
        p.put("taskroot", "/tmp");                   // no meaning at all
        p.put("ha.zookeeper.connect", "zk:2181");    // another provider's key
        p.put("ha.static.bogus", "1");               // a typo in the chosen provider's section

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> NodeConfiguration.fromSettings(Settings.of(p)));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("6 configuration problems");
        assertThat(Arrays.stream(e.getSuppressed()).map(x -> ((ConfigurationException) x).key()))
                .containsExactlyInAnyOrder("dispatch.tick", "mover.treads", "nodes.id", "taskroot",
                        "ha.zookeeper.connect", "ha.static.bogus");
    }

    @Test
    void aManagerOnlyNodeIgnoresBackendSectionsButNothingElse() {
        Map<String, String> p = valid("manager");
        p.put("mover.threads", "4"); // for the backends sharing this file
        try (MigrationNode node = NodeConfiguration.fromSettings(Settings.of(p)).build()) {
            assertThat(node.roles()).containsExactly(NodeRole.MANAGER);
        }
        p.put("worker.concurency", "2");
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> NodeConfiguration.fromSettings(Settings.of(p)));
        assertThat(e).isNotNull();
        assertThat(e.key()).isEqualTo("worker.concurency");
    }
}
