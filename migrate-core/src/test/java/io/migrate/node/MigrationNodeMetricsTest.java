package io.migrate.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migrate.config.Settings;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationNodeMetricsTest {
    @TempDir
    Path dir;

    @Test
    void bindsCountersAndTaskCountsTaggedByNodeOnly() {
        try (MigrationNode node = NodeConfiguration.fromSettings(Settings.of(Map.of(
                "node.id", "manager-1", "node.roles", "manager", "task.root", dir.toString(),
                "ha.type", "static", "ha.static.leader", "manager-1"))).build()) {
            node.submitter().submit(dir.toString(), java.util.List.of(new io.migrate.task.FileEntry("a", "b")), Map.of());
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new MigrationNodeMetrics(node).bindTo(registry);

            assertThat(registry.get("migrate.tasks").tag("state", "pending").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("migrate.dispatch.tasks").tag("node", "manager-1").functionCounter().count())
                    .isZero();
            assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags())
                    .extracting(t -> t.getKey()).isSubsetOf("node", "state", "component", "reason", "outcome"));
        }
    }
}
