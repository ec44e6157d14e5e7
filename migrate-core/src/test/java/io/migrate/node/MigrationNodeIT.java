package io.migrate.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.task.FileEntry;
import io.migrate.task.TaskState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes built from properties on one task root: a manager and a backend cooperate. */
class MigrationNodeIT {
    @TempDir
    Path dir;

    private Map<String, String> properties(String nodeId, String roles) {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", nodeId);
        p.put("node.roles", roles);
        p.put("task.root", dir.resolve("root").toString());
        p.put("ha.type", "static");
        p.put("ha.static.leader", "manager-1");
        p.put("ha.heartbeat.interval", "200ms");
        p.put("ha.heartbeat.nodeLease", "3s");
        p.put("transport.type", "posix");
        p.put("transport.posix.root", dir.resolve("dest").toString());
        p.put("mover.allowedSourceRoots", dir.resolve("src").toString());
        p.put("mover.threads", "4");
        p.put("mover.maxInFlightBytes", "16MiB");
        p.put("mover.rangeSize", "1MiB");
        p.put("dispatch.tick", "200ms");
        p.put("reclaim.tick", "1s");
        p.put("worker.pollInterval", "200ms");
        p.put("outbox.pollInterval", "200ms");
        return p;
    }

    @Test
    void managerAndBackendFromPropertiesMoveEveryFileAndArchiveEveryTask() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dest"));
        List<FileEntry> files = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Path f = src.resolve("dir " + (i % 3) + "/file-" + i + ".bin");
            Files.createDirectories(f.getParent());
            Files.write(f, ("content of file " + i).repeat(1000 * i + 1).getBytes(StandardCharsets.UTF_8));
            files.add(new FileEntry(src.relativize(f).toString(), "out/" + i + ".bin"));
        }
        try (MigrationNode manager = NodeConfiguration.fromSettings(Settings.of(properties("manager-1", "manager"))).build();
                MigrationNode backend = NodeConfiguration.fromSettings(Settings.of(properties("backend-1", "backend"))).build()) {
            backend.start();
            manager.start();
            List<String> ids = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                ids.add(manager.submitter().submit(src.toString(), files.subList(t * 4, t * 4 + 4), Map.of("batch", "b" + t)));
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(manager.status().status(id)).get()
                            .extracting(s -> s.state()).isEqualTo(TaskState.ARCHIVED);
                }
            });
            for (String id : ids) {
                var ref = manager.store().find(id).orElseThrow();
                var result = manager.store().read(ref).orElseThrow().result().orElseThrow();
                assertThat(result.files()).allSatisfy(f -> assertThat(f.succeeded()).as(f.toString()).isTrue());
            }
            for (int i = 0; i < 12; i++) {
                assertThat(dir.resolve("dest/out/" + i + ".bin"))
                        .hasSameBinaryContentAs(src.resolve(files.get(i).sourcePath()));
            }
            assertThat(manager.metrics().dispatched()).isEqualTo(3);
            assertThat(backend.metrics().tasksCompleted()).isEqualTo(3);
            assertThat(backend.metrics().resultsPublished()).isEqualTo(3);
        }
    }

    @Test
    void aBackendOnlyNodeNeverStandsForElection() throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dest"));
        Map<String, String> p = properties("backend-1", "backend");
        p.put("ha.static.leader", "backend-1"); // would lead if it took part
        try (MigrationNode backend = NodeConfiguration.fromSettings(Settings.of(p)).build()) {
            backend.start();
            assertThat(backend.election().state()).isNotEqualTo(io.migrate.ha.spi.LeadershipState.LEADER);
        }
    }

    @Test
    void configurationErrorsNameTheKey() {
        Map<String, String> p = properties("backend-1", "backend");
        p.put("mover.treads", "4");
        assertThatThrownBy(() -> NodeConfiguration.fromSettings(Settings.of(p)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("mover.treads");
        Map<String, String> q = properties("backend-1", "backend");
        q.put("dispatch.tick", "soon");
        assertThatThrownBy(() -> NodeConfiguration.fromSettings(Settings.of(q)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("dispatch.tick");
        Map<String, String> r = properties("backend-1", "backend");
        r.put("transport.type", "ftp");
        assertThatThrownBy(() -> NodeConfiguration.fromSettings(Settings.of(r)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("transport.type")
                .hasMessageContaining("posix");
    }
}
