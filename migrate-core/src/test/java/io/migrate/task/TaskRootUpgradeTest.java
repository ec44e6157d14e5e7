package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task root written by the store of {@code a4981fa} (layout 1: task files directly in the state
 * directories, results and events appended to them), with tasks in every state
 * ({@code src/test/resources/task-root-layout1}, written by that release; the expected states in
 * {@code task-root-layout1.properties}), read by this release and upgraded: nothing is lost.
 */
class TaskRootUpgradeTest {
    @TempDir
    Path dir;

    @Test
    void aRootOfThePreviousLayoutIsReadAsItIsThenUpgradedWithNothingLost() throws Exception {
        Path root = copyLegacyRoot();
        Map<String, String> expected = expected();
        assertThat(expected).hasSize(9);

        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        assertEveryTaskWhereExpected(store, expected);
        assertThat(root.resolve(DirectoryTaskStore.LAYOUT_FILE)).as("not marked before the upgrade").doesNotExist();

        TaskRootUpgrade.main(new String[] {root.toString()});

        assertThat(Files.readString(root.resolve(DirectoryTaskStore.LAYOUT_FILE))).contains("\"layout\":2");
        for (String state : new String[] {"pending", "done", "archive", "failed"}) {
            try (Stream<Path> s = Files.list(root.resolve(state))) {
                assertThat(s.filter(Files::isRegularFile)).as("no task left directly in %s/", state).isEmpty();
            }
        }
        DirectoryTaskStore upgraded = DirectoryTaskStore.builder().root(root).build();
        assertEveryTaskWhereExpected(upgraded, expected);
        assertThat(upgraded.upgrade()).as("idempotent").isZero();

        // Life goes on in the new layout: the running task completes, the done one is archived.
        String runningId = idIn(expected, "RUNNING b");
        TaskRef running = upgraded.find(runningId).orElseThrow();
        MigrationTask task = upgraded.read(running).orElseThrow().task();
        TaskResult result = TestTasks.result(task, "run-new", "b");
        assertThat(upgraded.complete(running, result)).isEqualTo(MoveOutcome.MOVED);
        StoredTask done = upgraded.read(upgraded.find(runningId).orElseThrow()).orElseThrow();
        assertThat(done.ref().state()).isEqualTo(TaskState.DONE);
        assertThat(done.result()).contains(result);
        TaskRef legacyDone = upgraded.find(idIn(expected, "DONE run-d1")).orElseThrow();
        assertThat(upgraded.move(legacyDone, TaskState.ARCHIVED, null)).isEqualTo(MoveOutcome.MOVED);
        assertThat(upgraded.read(upgraded.find(legacyDone.taskId()).orElseThrow()).orElseThrow().result())
                .hasValueSatisfying(r -> assertThat(r.runId()).isEqualTo("run-d1"));
    }

    @Test
    void aNodeRefusesARootOfANewerLayout() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve(DirectoryTaskStore.LAYOUT_FILE), "{\"layout\":3}\n");

        assertThatThrownBy(() -> DirectoryTaskStore.builder().root(root).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("layout 3");
    }

    @Test
    void aFreshRootIsMarkedWithTheCurrentLayout() throws IOException {
        Path root = dir.resolve("fresh");
        DirectoryTaskStore.builder().root(root).build();

        assertThat(Files.readString(root.resolve(DirectoryTaskStore.LAYOUT_FILE))).contains("\"layout\":2");
    }

    private static void assertEveryTaskWhereExpected(DirectoryTaskStore store, Map<String, String> expected) {
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String id = e.getKey();
            String[] want = e.getValue().split(" ");
            TaskRef ref = store.find(id).orElseThrow(() -> new AssertionError("lost: " + id + " " + e.getValue()));
            assertThat(ref.state()).as("state of %s", id).isEqualTo(TaskState.valueOf(want[0]));
            if (ref.state().perNode()) {
                assertThat(ref.node()).as("node of %s", id).isEqualTo(want[1]);
            }
            if (e.getValue().contains("unreadable")) {
                assertThatThrownBy(() -> store.read(ref)).isInstanceOfSatisfying(InvalidTaskException.class,
                        x -> assertThat(x.code()).isEqualTo(ErrorCode.INVALID_JSON));
                continue;
            }
            StoredTask st = store.read(ref).orElseThrow();
            assertThat(st.task().id()).isEqualTo(id);
            String run = word(want, "run-");
            if (run != null) {
                assertThat(st.result()).as("result of %s", id).hasValueSatisfying(r -> assertThat(r.runId()).isEqualTo(run));
            } else {
                assertThat(st.result()).as("result of %s", id).isEmpty();
            }
            String events = word(want, "events=");
            assertThat(st.history()).as("history of %s", id).hasSize(events == null ? 0
                    : Integer.parseInt(events.substring("events=".length())));
            if (ref.state() == TaskState.FAILED) {
                assertThat(DirectoryTaskStore.failureCode(ref)).contains(ErrorCode.valueOf(want[1]));
            }
            try (Stream<TaskRef> listed = ref.state().perNode() ? store.list(ref.state(), ref.node())
                    : store.list(ref.state())) {
                assertThat(listed.map(TaskRef::taskId)).as("listing of %s", ref.state()).contains(id);
            }
        }
        long tasks = Stream.of(TaskState.PENDING, TaskState.INBOX, TaskState.RUNNING, TaskState.DONE, TaskState.ARCHIVED,
                TaskState.FAILED).mapToLong(s -> store.count(s, null)).sum();
        assertThat(tasks).as("no task twice, none extra").isEqualTo(expected.size());
        assertThat(store.purgeArchive(Duration.ofDays(3650))).isZero();
    }

    private static String word(String[] words, String prefix) {
        for (String w : words) {
            if (w.startsWith(prefix)) {
                return w;
            }
        }
        return null;
    }

    private static String idIn(Map<String, String> expected, String value) {
        return expected.entrySet().stream().filter(e -> e.getValue().equals(value)).findFirst().orElseThrow().getKey();
    }

    private Path copyLegacyRoot() throws URISyntaxException, IOException {
        Path source = Path.of(TaskRootUpgradeTest.class.getResource("/task-root-layout1").toURI());
        Path root = dir.resolve("root");
        try (Stream<Path> s = Files.walk(source)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path to = root.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        // git keeps no empty directories: the node directories of the old root
        for (String d : new String[] {"nodes/a/running", "nodes/b/inbox", "incoming"}) {
            Files.createDirectories(root.resolve(d));
        }
        return root;
    }

    private static Map<String, String> expected() {
        Properties p = new Properties();
        try (InputStream in = TaskRootUpgradeTest.class.getResourceAsStream("/task-root-layout1.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.stringPropertyNames().stream().collect(Collectors.toMap(k -> k, p::getProperty, (a, b) -> a, TreeMap::new));
    }
}
