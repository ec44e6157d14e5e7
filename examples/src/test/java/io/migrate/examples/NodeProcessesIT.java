package io.migrate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import io.migrate.task.TaskSubmitter;
import io.migrate.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migrate node} processes started from two config files on one task root cooperate. */
class NodeProcessesIT {
    @TempDir
    Path dir;

    private Path config(String nodeId, String roles) throws Exception {
        String text = String.join("\n",
                "node.id=" + nodeId,
                "node.roles=" + roles,
                "task.root=" + dir.resolve("root"),
                "ha.type=static",
                "ha.static.leader=manager-1",
                "ha.heartbeat.interval=200ms",
                "ha.heartbeat.nodeLease=5s",
                "transport.type=posix",
                "transport.posix.root=" + dir.resolve("dest"),
                "mover.allowedSourceRoots=" + dir.resolve("src"),
                "mover.threads=2",
                "mover.maxInFlightBytes=8MiB",
                "mover.rangeSize=1MiB",
                "dispatch.tick=200ms",
                "worker.pollInterval=200ms",
                "outbox.pollInterval=200ms",
                "");
        Path file = dir.resolve(nodeId + ".properties");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void managerAndBackendProcessesFromConfigFilesMigrateEverything() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("dest"));
        List<FileEntry> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Path f = src.resolve("f" + i + ".txt");
            Files.writeString(f, "file " + i + " ".repeat(i * 100));
            files.add(new FileEntry(f.getFileName().toString(), "copy/f" + i + ".txt"));
        }
        Path logs = dir.resolve("logs");
        try (ChildJvm manager = ChildJvm.start("manager-1", logs, MigrateCli.class, List.of("-Xmx256m"),
                    "node", "--config", config("manager-1", "manager").toString());
                ChildJvm backend = ChildJvm.start("backend-1", logs, MigrateCli.class, List.of("-Xmx256m"),
                    "node", "--config", config("backend-1", "backend").toString())) {
            DirectoryTaskStore store = DirectoryTaskStore.builder().root(dir.resolve("root")).build();
            TaskSubmitter submitter = TaskSubmitter.builder().store(store).build();
            List<String> ids = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                ids.add(submitter.submit(src.toString(), files.subList(t * 10, t * 10 + 10), Map.of()));
            }
            TaskStatusView status = TaskStatusView.of(store);
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                assertThat(manager.isAlive()).as("manager alive: %s", manager.output()).isTrue();
                assertThat(backend.isAlive()).as("backend alive: %s", backend.output()).isTrue();
                for (String id : ids) {
                    assertThat(status.status(id)).get().extracting(s -> s.state()).isEqualTo(TaskState.ARCHIVED);
                }
            });
            for (FileEntry e : files) {
                assertThat(dir.resolve("dest").resolve(e.targetKey())).hasSameTextualContentAs(src.resolve(e.sourcePath()));
            }
            // Each node process writes its health() to the task root; status shows it (issue #18).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String out = status();
                assertThat(out).contains("node health").containsPattern("backend-1 +READY +STARTED")
                        .containsPattern("endpoint \\S+ UP");
            });
        }
    }

    private String status() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(MigrateCli.commandLine().execute("status", "--task-root", dir.resolve("root").toString())).isZero();
        } finally {
            System.setOut(old);
        }
        return buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
