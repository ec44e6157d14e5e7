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
                    .extracting(t -> t.getKey()).isSubsetOf("node", "state", "component", "reason", "outcome", "endpoint"));
        }
    }

    @Test
    void aGaugePerDestinationEndpointFollowsItsHealth() throws Exception {
        java.nio.file.Path dest = java.nio.file.Files.createDirectories(dir.resolve("dest"));
        try (MigrationNode node = NodeConfiguration.fromSettings(Settings.of(Map.of(
                "node.id", "backend-1", "node.roles", "backend", "task.root", dir.resolve("root").toString(),
                "ha.type", "static", "ha.static.leader", "manager-1", "transport.type", "posix",
                "transport.posix.root", dest.toString(), "mover.allowedSourceRoots", dir.toString()))).build()) {
            node.start();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new MigrationNodeMetrics(node).bindTo(registry);
            String endpoint = node.health().endpoints().get(0).endpointId();

            assertThat(registry.get("migrate.endpoint.up").tag("endpoint", endpoint).tag("node", "backend-1")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(node.health().ready()).isTrue();
            assertThat(node.health().problems()).isEmpty();
        }
    }
}
