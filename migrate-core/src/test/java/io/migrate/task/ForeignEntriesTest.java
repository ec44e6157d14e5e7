package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entries of the task root that are not task files (issue 20): never listed, read, written or
 * followed, and moved to {@code rejected/} by {@link TaskStore#quarantineForeign()}.
 */
class ForeignEntriesTest {
    @TempDir
    Path dir;

    private Path root;
    private Path outside;
    private DirectoryTaskStore store;

    @BeforeEach
    void setUp() throws IOException {
        root = dir.resolve("root");
        outside = Files.createDirectories(dir.resolve("outside"));
        store = DirectoryTaskStore.builder().root(root).build();
        store.registerNode("a");
    }

    @Test
    void everyKindOfForeignEntryIsSkippedByListingAndMovedToRejected() throws Exception {
        MigrationTask good = TestTasks.task(1);
        store.submit(good);
        Path pending = root.resolve("pending");
        Path outsideTask = outsideTaskFile();
        byte[] outsideBefore = Files.readAllBytes(outsideTask);
        Files.createDirectories(pending.resolve(TaskIds.newId(Instant.now()) + ".json")).resolve("inner").toFile()
                .createNewFile();
        Files.createSymbolicLink(pending.resolve(TaskIds.newId(Instant.now()) + ".json"), outsideTask);
        Files.createSymbolicLink(pending.resolve(TaskIds.newId(Instant.now()) + ".json"), dir.resolve("nowhere"));
        mkfifo(pending.resolve(TaskIds.newId(Instant.now()) + ".json"));
        Files.writeString(pending.resolve("not-a-task.json"), "{}");
        Files.writeString(pending.resolve("bad~name.json"), "{}");
        Files.writeString(pending.resolve("9".repeat(200) + ".json"), "{}");
        Files.writeString(pending.resolve(TaskIds.newId(Instant.now()) + ".txt"), "{}");
        Files.writeString(pending.resolve(".nfs0000000000001234"), "held open by an NFS client");
        Files.createSymbolicLink(root.resolve("nodes/a/inbox").resolve(TaskIds.newId(Instant.now()) + ".json"),
                outsideTask);
        Files.createDirectories(root.resolve("done").resolve(good.id() + "x~run.json"));

        try (Stream<TaskRef> s = store.list(TaskState.PENDING)) {
            assertThat(s.map(TaskRef::taskId)).containsExactly(good.id());
        }
        assertThat(store.count(TaskState.PENDING, null)).isEqualTo(1);
        assertThat(store.count(TaskState.INBOX, "a")).isZero();

        assertThat(store.quarantineForeign()).isEqualTo(10);

        // layout 2: the good task is in its bucket, under its hour directory
        assertThat(names(pending)).containsExactlyInAnyOrder(good.id().substring(0, 11), ".nfs0000000000001234");
        assertThat(store.find(good.id())).get().extracting(TaskRef::state).isEqualTo(TaskState.PENDING);
        assertThat(names(root.resolve("nodes/a/inbox"))).isEmpty();
        List<String> rejected = names(root.resolve("rejected"));
        assertThat(rejected).hasSize(10).allMatch(n -> n.contains("~NOT_A_TASK_FILE~"));
        assertThat(rejected).filteredOn(n -> n.contains("~pending~")).hasSize(8);
        assertThat(rejected).filteredOn(n -> n.contains("~nodes.a.inbox~")).hasSize(1);
        assertThat(rejected).filteredOn(n -> n.contains("~done~")).hasSize(1);
        assertThat(Files.readAllBytes(outsideTask)).isEqualTo(outsideBefore);
        assertThat(store.quarantineForeign()).isZero();
    }

    @Test
    void aLinkNamedLikeATaskIsNeverReadAppendedToOrTouched() throws Exception {
        Path outsideTask = outsideTaskFile();
        String id = TaskFileNames.parse(TaskState.PENDING, outsideTask.getFileName().toString()).taskId();
        FileTime mtime = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(outsideTask, mtime);
        byte[] before = Files.readAllBytes(outsideTask);
        Path running = root.resolve("nodes/a/running").resolve(id + ".json");
        Files.createSymbolicLink(running, outsideTask);
        TaskRef ref = new TaskRef(id, TaskState.RUNNING, "a", id + ".json");

        assertThat(store.read(ref)).isEmpty();
        assertThat(store.touchLease(ref)).isFalse();
        assertThat(store.leaseRenewedAt(ref)).isEmpty();
        MigrationTask task = MigrationTask.builder().id(id).sourceRoot("/src").addFile("a", "b").build();
        assertThat(store.complete(ref, TestTasks.result(task, "run-1", "a"))).isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.fail(ref, ErrorCode.INTERNAL, "x", TestTasks.result(task, "run-1", "a")))
                .isEqualTo(MoveOutcome.LOST_RACE);

        assertThat(Files.readAllBytes(outsideTask)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(outsideTask)).isEqualTo(mtime);
        assertThat(Files.isSymbolicLink(running)).isTrue();
    }

    @Test
    void aLinkOrFileWhereANodeDirectoryBelongsIsNeverANodeAndIsQuarantined() throws Exception {
        Path elsewhere = Files.createDirectories(outside.resolve("node-dirs/inbox"));
        Files.createSymbolicLink(root.resolve("nodes/evil"), elsewhere.getParent());
        Files.writeString(root.resolve("nodes/plainfile"), "x");

        assertThat(store.nodes()).containsExactly("a");
        assertThatThrownBy(() -> store.registerNode("evil")).isInstanceOfSatisfying(MigrateException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_A_TASK_FILE));

        assertThat(store.quarantineForeign()).isEqualTo(2);
        assertThat(names(root.resolve("nodes"))).containsExactly("a");
        store.registerNode("evil");
        assertThat(root.resolve("nodes/evil/inbox")).isDirectory();
        assertThat(names(elsewhere)).isEmpty();
    }

    @Test
    void aStateDirectoryReplacedByALinkNeverReceivesATask() throws Exception {
        TaskRef pending = store.submit(TestTasks.task(1));
        Path inbox = root.resolve("nodes/a/inbox");
        Files.delete(inbox);
        Files.createSymbolicLink(inbox, outside);

        assertThatThrownBy(() -> store.move(pending, TaskState.INBOX, "a")).isInstanceOfSatisfying(
                MigrateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_A_TASK_FILE));

        assertThat(names(outside)).isEmpty();
        assertThat(store.find(pending.taskId())).contains(pending);
    }

    @Test
    void theSameIdInTwoStatesKeepsTheCopyFurthestAlong() throws Exception {
        MigrationTask task = TestTasks.task(1);
        TaskRef pending = store.submit(task);
        byte[] handCopy = Files.readAllBytes(store.pathOf(pending));
        store.move(pending, TaskState.INBOX, "a");
        TaskRef running = new TaskRef(task.id(), TaskState.RUNNING, "a", task.id() + ".json");
        store.move(new TaskRef(task.id(), TaskState.INBOX, "a", task.id() + ".json"), TaskState.RUNNING, "a");
        store.complete(running, TestTasks.result(task, "run-1", "a"));
        // Written back by hand (or restored from a backup) after the task ended.
        Files.write(root.resolve("pending").resolve(task.id() + ".json"), handCopy);
        Files.write(root.resolve("nodes/a/inbox").resolve(task.id() + ".json"), handCopy);

        assertThat(store.quarantineForeign()).isEqualTo(2);

        assertThat(store.find(task.id())).get().extracting(TaskRef::state).isEqualTo(TaskState.DONE);
        try (Stream<Path> files = Files.walk(root.resolve("pending")).filter(Files::isRegularFile)) {
            assertThat(files).isEmpty();
        }
        assertThat(names(root.resolve("rejected"))).hasSize(2).allMatch(n -> n.contains("~DUPLICATE_TASK_ID~"));
    }

    @Test
    void aTaskSeenTwiceBecauseItMovedIsNotADuplicate() throws Exception {
        MigrationTask task = TestTasks.task(1);
        TaskRef pending = store.submit(task);
        // A hard link is the same file under two names: what a sweep sees when a rename happens
        // between its listing of two directories.
        Files.createLink(root.resolve("nodes/a/inbox").resolve(task.id() + ".json"), store.pathOf(pending));

        assertThat(store.quarantineForeign()).isZero();
    }

    @Test
    void aBucketFoundCleanIsNotListedAgainUntilItChanges() throws Exception {
        MigrationTask task = TestTasks.task(1);
        TaskRef ref = store.submit(task);
        Path bucket = store.pathOf(ref).getParent();
        settle(bucket);
        assertThat(store.quarantineForeign()).isZero();
        assertThat(store.lastForeignSweep()).get().satisfies(s -> assertThat(s.bucketsListed()).isEqualTo(1));

        DirectoryTaskStore.ForeignSweep second = sweepAgain();
        assertThat(second.bucketsListed()).as("unchanged since it was found clean").isZero();
        assertThat(second.bucketsSkipped()).isEqualTo(1);

        // Any change of an entry changes the bucket's mtime: the next sweep lists it and finds the link.
        Files.createSymbolicLink(bucket.resolve(TaskIds.newId(Instant.now()) + ".json"), outsideTaskFile());
        DirectoryTaskStore.ForeignSweep third = sweepAgain();
        assertThat(third.moved()).isEqualTo(1);
        assertThat(third.bucketsListed()).isEqualTo(1);
        assertThat(names(root.resolve("rejected"))).singleElement().asString().contains("~NOT_A_TASK_FILE~pending.");
    }

    @Test
    void aCopyInAnInboxIsComparedWithABucketFoundCleanBefore() throws Exception {
        MigrationTask task = TestTasks.task(1);
        TaskRef pending = store.submit(task);
        byte[] handCopy = Files.readAllBytes(store.pathOf(pending));
        store.move(pending, TaskState.INBOX, "a");
        TaskRef inbox = new TaskRef(task.id(), TaskState.INBOX, "a", task.id() + ".json");
        store.move(inbox, TaskState.RUNNING, "a");
        store.complete(new TaskRef(task.id(), TaskState.RUNNING, "a", task.id() + ".json"),
                TestTasks.result(task, "run-1", "a"));
        TaskRef done = store.find(task.id()).orElseThrow();
        settle(store.pathOf(done).getParent());
        settle(store.pathOf(pending).getParent());
        assertThat(store.quarantineForeign()).isZero();
        assertThat(sweepAgain().bucketsListed()).isZero();

        // The done/ bucket is unchanged, but the id seen in the inbox names it: it is listed.
        Files.write(root.resolve("nodes/a/inbox").resolve(task.id() + ".json"), handCopy);
        DirectoryTaskStore.ForeignSweep s = sweepAgain();
        assertThat(s.moved()).isEqualTo(1);
        assertThat(names(root.resolve("rejected"))).singleElement().asString().contains("~DUPLICATE_TASK_ID~nodes.a.inbox~");
        assertThat(store.find(task.id())).get().extracting(TaskRef::state).isEqualTo(TaskState.DONE);
    }

    @Test
    void copiesSeesAnEndedCopyThroughItsRecordsAndTheSweepFindsOneRestoredWithoutThem() throws Exception {
        MigrationTask ended = TestTasks.task(1);
        TaskRef p = store.submit(ended);
        byte[] copy = Files.readAllBytes(store.pathOf(p));
        store.move(p, TaskState.INBOX, "a");
        store.move(new TaskRef(ended.id(), TaskState.INBOX, "a", p.fileName()), TaskState.RUNNING, "a");
        store.complete(new TaskRef(ended.id(), TaskState.RUNNING, "a", p.fileName()), TestTasks.result(ended, "r1", "a"));
        Files.write(root.resolve("nodes/a/inbox").resolve(p.fileName()), copy);
        assertThat(store.copies(ended.id())).extracting(TaskRef::state).containsExactly(TaskState.INBOX, TaskState.DONE);

        // Restored by hand into done/ without its records/ directory: the worker's check does not list
        // done/ for a task that never ended; the leader's sweep keeps the done/ copy.
        MigrationTask restored = TestTasks.task(1);
        TaskRef q = store.submit(restored);
        Path doneBucket = root.resolve("done").resolve(TaskFileNames.hourOf(restored.id()))
                .resolve(TaskFileNames.bucketOf(restored.id()));
        Files.createDirectories(doneBucket);
        Files.write(doneBucket.resolve(restored.id() + "~old-run.json"), Files.readAllBytes(store.pathOf(q)));
        assertThat(store.copies(restored.id())).extracting(TaskRef::state).containsExactly(TaskState.PENDING);
        assertThat(store.quarantineForeign()).isEqualTo(2); // the two extra copies of the first task's id, and this
        assertThat(store.find(restored.id())).get().extracting(TaskRef::state).isEqualTo(TaskState.DONE);
    }

    /** Sweeps once more, waiting out the pacing (at most 10 % of the caller's time) with a deadline. */
    private DirectoryTaskStore.ForeignSweep sweepAgain() {
        DirectoryTaskStore.ForeignSweep before = store.lastForeignSweep().orElseThrow();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            store.quarantineForeign();
            DirectoryTaskStore.ForeignSweep now = store.lastForeignSweep().orElseThrow();
            if (now != before) {
                return now;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no second sweep within 20 s");
    }

    /** Makes a directory's mtime old enough to be remembered (a change in the same tick cannot hide). */
    static void settle(Path d) throws IOException {
        Files.setLastModifiedTime(d, FileTime.from(Instant.now().minusSeconds(60)));
    }

    private Path outsideTaskFile() throws IOException {
        MigrationTask t = MigrationTask.builder().id(TaskIds.newId(Instant.now())).sourceRoot("/etc")
                .addFile("hostname", "stolen").build();
        Path f = outside.resolve(t.id() + ".json");
        Files.write(f, new TaskFileCodec(TaskValidator.defaults()).encodeTask(t));
        return f;
    }

    static void mkfifo(Path p) throws Exception {
        Process proc = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(proc.waitFor()).isZero();
        assertThat(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }
}
