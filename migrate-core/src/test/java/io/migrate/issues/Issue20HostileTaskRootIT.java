package io.migrate.issues;

import static io.migrate.issues.LayoutEntries.names;
import static io.migrate.issues.LayoutEntries.stateEntries;
import static io.migrate.issues.LayoutEntries.stateNames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.node.MigrationNode;
import io.migrate.task.FileEntry;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskState;
import io.migrate.testing.NodeFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: entries of the task root that are not tasks must not wedge a live node or make it
 * touch anything outside the root. One test per numbered defect (1-4) and for a task id present
 * in two states; each runs a real node (manager and backend in one) on a real directory and uses
 * only what a host sees (files, the submitter, the status view), so it also runs against the
 * code before the fix, where each fails.
 */
class Issue20HostileTaskRootIT {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    Path root;
    Path src;
    Path dest;
    Path outside;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        src = Files.createDirectories(dir.resolve("src"));
        dest = Files.createDirectories(dir.resolve("dest"));
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(root.resolve("pending"));
        Files.writeString(src.resolve("canary.txt"), "canary", StandardCharsets.UTF_8);
        Files.writeString(src.resolve("secret.txt"), "must never be copied", StandardCharsets.UTF_8);
    }

    /** Defect 1: {@code mkdir pending/<id>.json} was claimed and every later poll failed on it. */
    @Test
    void aDirectoryNamedLikeATaskNeverWedgesTheNode() throws Exception {
        Path bad = root.resolve("pending").resolve(earlierId() + ".json");
        Files.createDirectories(bad.resolve("inside"));
        try (MigrationNode node = startNode()) {
            assertCanaryCompletes(node);
            awaitQuarantined(bad.getFileName().toString());
        }
    }

    /** Defect 2: a link named like a task was followed, executed and appended to. */
    @Test
    void aSymlinkNamedLikeATaskIsNeverFollowedExecutedOrWritten() throws Exception {
        String id = earlierId();
        Path target = outside.resolve("task.json");
        Files.writeString(target, "{\"schemaVersion\":1,\"id\":\"" + id + "\",\"createdAt\":\"2026-11-25T08:00:00Z\","
                + "\"attempt\":1,\"sourceRoot\":\"" + src + "\",\"files\":[{\"source\":\"secret.txt\",\"target\":\"stolen.bin\"}]}",
                StandardCharsets.UTF_8);
        FileTime mtime = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(target, mtime);
        byte[] before = Files.readAllBytes(target);
        Files.createSymbolicLink(root.resolve("pending").resolve(id + ".json"), target);
        try (MigrationNode node = startNode()) {
            assertCanaryCompletes(node); // the link sorts first: by now it was served, had it been a task
            assertThat(Files.readAllBytes(target)).as("the link's target is never written").isEqualTo(before);
            assertThat(Files.getLastModifiedTime(target)).as("nor touched").isEqualTo(mtime);
            assertThat(dest.resolve("stolen.bin")).as("the task outside the root never ran").doesNotExist();
            awaitQuarantined(id + ".json");
        }
        assertThat(Files.readAllBytes(target)).isEqualTo(before);
    }

    /** Defect 3: a dangling link named like a task moved to running/ and stayed there silently. */
    @Test
    void aDanglingSymlinkNamedLikeATaskIsQuarantined() throws Exception {
        String name = earlierId() + ".json";
        Files.createSymbolicLink(root.resolve("pending").resolve(name), dir.resolve("nowhere"));
        try (MigrationNode node = startNode()) {
            assertCanaryCompletes(node);
            awaitQuarantined(name);
        }
    }

    /** Defect 4: names that are not task ids stayed in pending/ while any retry was in back-off. */
    @Test
    void namesThatAreNotTaskIdsAreRejectedWhileARetryIsInBackoff() throws Exception {
        List<String> bad = List.of("not-a-task.json", "bad~name.json", "9".repeat(200) + ".json");
        try (MigrationNode node = startNode()) {
            MigrationTask future = MigrationTask.builder().id(TaskIds.newId(Instant.now().plus(Duration.ofHours(1))))
                    .sourceRoot(src.toString()).addFile("canary.txt", "later.txt").build();
            node.store().submit(future);
            for (String n : bad) {
                Files.writeString(root.resolve("pending").resolve(n), "{}", StandardCharsets.UTF_8);
            }
            assertCanaryCompletes(node);
            for (String n : bad) {
                awaitQuarantined(n);
            }
            assertThat(stateNames(root.resolve("pending"))).containsExactly(future.id() + ".json");
        }
    }

    /** A task id in two states (a hand-made copy of a finished task) ran twice and published twice. */
    @Test
    void aHandMadeCopyOfAFinishedTaskNeitherRunsNorPublishesAgain() throws Exception {
        try (MigrationNode node = startNode()) {
            String first = assertCanaryCompletes(node);
            Path archived = only(root.resolve("archive"), first);
            Files.copy(archived, root.resolve("pending").resolve(first + ".json"));
            assertCanaryCompletes(node);
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(everywhere())
                    .noneMatch(p -> p.getFileName().toString().equals(first + ".json")));
            assertThat(stateNames(root.resolve("done")).stream().filter(n -> n.startsWith(first))).isEmpty();
            assertThat(stateNames(root.resolve("archive")).stream().filter(n -> n.startsWith(first)))
                    .as("one archived result for the task id").hasSize(1);
            awaitQuarantined(first + ".json");
        }
    }

    // ------------------------------------------------------------------ helpers

    private MigrationNode startNode() {
        return NodeFixture.builder("n1").root(root).sources(src).posixTarget(dest).start();
    }

    /** Submits a one-file task and waits until it is archived with its file copied. @return its id */
    private String assertCanaryCompletes(MigrationNode node) {
        String key = "canary-" + System.nanoTime() + ".txt";
        String id = node.submitter().submit(src.toString(), List.of(new FileEntry("canary.txt", key)), Map.of());
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(node.status().status(id)).get()
                .extracting(s -> s.state()).isEqualTo(TaskState.ARCHIVED));
        assertThat(dest.resolve(key)).hasContent("canary");
        return id;
    }

    /** Waits until the entry has left every state directory and one rejected/ name ends with it. */
    private void awaitQuarantined(String name) {
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            assertThat(everywhere()).noneMatch(p -> p.getFileName().toString().equals(name));
            assertThat(root.resolve("rejected")).isDirectory();
            assertThat(names(root.resolve("rejected"))).anyMatch(n -> n.endsWith("~" + quarantineName(name)));
        });
    }

    private List<Path> everywhere() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.startsWith(root.resolve("rejected"))).collect(Collectors.toList());
        }
    }

    private static Path only(Path d, String prefix) throws IOException {
        List<Path> n = stateEntries(d).stream().filter(x -> x.getFileName().toString().startsWith(prefix))
                .collect(Collectors.toList());
        assertThat(n).hasSize(1);
        return n.get(0);
    }

    /** The original name as {@code rejected/} keeps it (docs/task-root.md, "Foreign entries"). */
    private static String quarantineName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.length() > 120 ? s.substring(0, 120) : s;
    }

    /** An id that sorts before the canary's, so that on the old code the bad entry is served first. */
    private static String earlierId() {
        return TaskIds.newId(Instant.now().minus(Duration.ofMinutes(1)));
    }
}
