package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTaskStoreTest {
    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T08:00:00Z"));
    private DirectoryTaskStore store;

    @BeforeEach
    void setUp() {
        store = DirectoryTaskStore.builder().root(root).clock(clock).build();
        store.registerNode("a");
        store.registerNode("b");
    }

    @Test
    void submitMakesTaskDurableInPendingAndReadsItBackUnchanged() throws IOException {
        MigrationTask task = TestTasks.task(3).toBuilder().parentTaskId(TaskIds.newId(Instant.now())).build();

        TaskRef ref = store.submit(task);

        assertThat(ref).isEqualTo(new TaskRef(task.id(), TaskState.PENDING, null, task.id() + ".json"));
        // layout 2: pending/<hour>/<bucket>/<id>.json, the directories named by the id's first 11 and 14 characters
        assertThat(root.resolve("pending").resolve(task.id().substring(0, 11)).resolve(task.id().substring(0, 14))
                .resolve(task.id() + ".json")).isRegularFile();
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertThat(s).isEmpty();
        }
        StoredTask stored = store.read(ref).orElseThrow();
        assertThat(stored.task()).isEqualTo(task);
        assertThat(stored.history()).isEmpty();
        assertThat(stored.result()).isEmpty();
    }

    /** Issue #14, finding 6: a reused task id silently replaced the task file. */
    @Test
    void submitRefusesAnIdThatExistsInAnyStateAndChangesNothing() throws IOException {
        MigrationTask task = TestTasks.task(2);
        TaskRef pending = store.submit(task);
        MigrationTask other = TestTasks.task(1).toBuilder().id(task.id()).build();

        assertRefused(other);
        assertThat(store.read(pending).orElseThrow().task()).as("pending copy untouched").isEqualTo(task);

        store.move(pending, TaskState.INBOX, "a");
        TaskRef inbox = new TaskRef(task.id(), TaskState.INBOX, "a", pending.fileName());
        assertRefused(other);
        store.move(inbox, TaskState.RUNNING, "a");
        TaskRef running = new TaskRef(task.id(), TaskState.RUNNING, "a", pending.fileName());
        assertRefused(other);
        assertThat(store.complete(running, TestTasks.result(task, "run-1", "a"))).isEqualTo(MoveOutcome.MOVED);
        assertRefused(other);

        MigrationTask failing = TestTasks.task(1);
        store.fail(store.submit(failing), ErrorCode.INVALID_FIELD, "bad", null);
        assertRefused(TestTasks.task(3).toBuilder().id(failing.id()).build());

        try (Stream<Path> s = Files.walk(root.resolve("pending")).filter(Files::isRegularFile)) {
            assertThat(s).as("nothing reached pending/").isEmpty();
        }
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertThat(s).as("no temporary file left").isEmpty();
        }
        assertThat(store.find(task.id()).orElseThrow().state()).isEqualTo(TaskState.DONE);
    }

    private void assertRefused(MigrationTask task) {
        assertThatThrownBy(() -> store.submit(task)).isInstanceOf(MigrateException.class)
                .extracting(e -> ((MigrateException) e).code()).isEqualTo(ErrorCode.TASK_ID_EXISTS);
    }

    @Test
    void submitRejectsInvalidTaskAndStoresNothing() throws IOException {
        MigrationTask bad = TestTasks.task(1).toBuilder().addFile("../etc/passwd", "k").build();

        assertThatThrownBy(() -> store.submit(bad))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PATH_TRAVERSAL);
                    assertThat(e.field()).isEqualTo("files[1].source");
                });
        try (Stream<Path> s = Stream.concat(Files.list(root.resolve("pending")), Files.list(root.resolve("incoming")))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void listSortsByNameWithoutOpeningFilesAndSkipsHiddenAndForeignNames() throws IOException {
        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        MigrationTask later = TestTasks.task(1).toBuilder().id(TaskIds.newId(t.plusSeconds(60))).build();
        MigrationTask earlier = TestTasks.task(1).toBuilder().id(TaskIds.newId(t)).build();
        store.submit(later);
        store.submit(earlier);
        Path pending = root.resolve("pending");
        Files.writeString(pending.resolve(".hidden.json"), "{}");
        Files.writeString(pending.resolve("notes.txt"), "x");
        // A name that is not a task id is foreign: never listed, moved to rejected/ by the leader.
        Files.writeString(pending.resolve("zz-not-an-id.json"), "garbage");

        try (Stream<TaskRef> s = store.list(TaskState.PENDING)) {
            assertThat(s.map(TaskRef::taskId)).containsExactly(earlier.id(), later.id());
        }
        assertThat(store.count(TaskState.PENDING, null)).isEqualTo(2);
    }

    @Test
    void taskWalksEveryForwardTransitionAndIsAlwaysInExactlyOnePlace() {
        MigrationTask task = TestTasks.task(2);
        TaskRef pending = store.submit(task);
        assertOnlyIn(task.id(), TaskState.PENDING, null);

        assertThat(store.move(pending, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.MOVED);
        TaskRef inbox = store.find(task.id()).orElseThrow();
        assertThat(inbox).isEqualTo(new TaskRef(task.id(), TaskState.INBOX, "a", task.id() + ".json"));
        assertOnlyIn(task.id(), TaskState.INBOX, "a");

        assertThat(store.move(inbox, TaskState.RUNNING, "a")).isEqualTo(MoveOutcome.MOVED);
        TaskRef running = store.find(task.id()).orElseThrow();
        assertOnlyIn(task.id(), TaskState.RUNNING, "a");

        TaskResult result = TestTasks.result(task, "run-1", "a");
        assertThat(store.complete(running, result)).isEqualTo(MoveOutcome.MOVED);
        TaskRef done = store.find(task.id()).orElseThrow();
        assertThat(done).isEqualTo(new TaskRef(task.id(), TaskState.DONE, null, task.id() + "~run-1.json"));
        assertThat(store.read(done).orElseThrow().result()).contains(result);

        assertThat(store.move(done, TaskState.ARCHIVED, null)).isEqualTo(MoveOutcome.MOVED);
        TaskRef archived = store.find(task.id()).orElseThrow();
        assertThat(archived.fileName()).isEqualTo(task.id() + "~run-1.json");
        StoredTask read = store.read(archived).orElseThrow();
        assertThat(read.task()).isEqualTo(task);
        assertThat(read.result()).contains(result);
        assertOnlyIn(task.id(), TaskState.ARCHIVED, null);
    }

    @Test
    void staleRefLosesTheRaceAndChangesNothing() {
        TaskRef pending = store.submit(TestTasks.task(1));
        assertThat(store.move(pending, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.MOVED);

        assertThat(store.move(pending, TaskState.INBOX, "b")).isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.fail(pending, ErrorCode.INVALID_JSON, "x", null)).isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.read(pending)).isEmpty();
        assertOnlyIn(pending.taskId(), TaskState.INBOX, "a");
    }

    @Test
    void everyTransitionLosesTheRaceOnceItsSourceHasMovedAndChangesNothing() throws IOException {
        MigrationTask task = TestTasks.task(1);
        TaskRef pending = store.submit(task);
        TaskRef inboxA = new TaskRef(task.id(), TaskState.INBOX, "a", pending.fileName());
        TaskRef runningA = new TaskRef(task.id(), TaskState.RUNNING, "a", pending.fileName());
        TaskRef done = new TaskRef(task.id(), TaskState.DONE, null, task.id() + "~r1.json");
        TaskResult result = TestTasks.result(task, "r1", "a");
        TaskEvent event = new TaskEvent(clock.instant(), 1, TaskEvent.Type.RECLAIMED_STALLED, "a", null, "stalled");
        // Park the task where none of the refs point: inbox of b.
        store.move(pending, TaskState.INBOX, "b");
        TaskRef parked = store.find(task.id()).orElseThrow();
        byte[] before = Files.readAllBytes(store.pathOf(parked));

        assertThat(store.move(pending, TaskState.INBOX, "a")).as("dispatch").isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.move(inboxA, TaskState.RUNNING, "a")).as("claim").isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.move(inboxA, TaskState.INBOX, "b", event)).as("rebalance").isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.move(runningA, TaskState.PENDING, null, event)).as("reclaim").isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.touchLease(runningA)).as("lease").isFalse();
        assertThat(store.complete(runningA, result)).as("complete").isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.move(done, TaskState.ARCHIVED, null)).as("archive").isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.fail(runningA, ErrorCode.MAX_ATTEMPTS_EXCEEDED, "x", result)).as("fail with result")
                .isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.fail(inboxA, ErrorCode.INVALID_JSON, "x", null)).as("fail").isEqualTo(MoveOutcome.LOST_RACE);

        assertOnlyIn(task.id(), TaskState.INBOX, "b");
        assertThat(Files.readAllBytes(store.pathOf(parked))).isEqualTo(before);
    }

    @Test
    void reclaimAndRebalanceRecordTheirEventsAfterTheMove() {
        MigrationTask task = TestTasks.task(1);
        TaskRef ref = store.submit(task);
        store.move(ref, TaskState.INBOX, "a");
        TaskRef inboxA = store.find(task.id()).orElseThrow();
        TaskEvent rebalanced = new TaskEvent(clock.instant(), 7, TaskEvent.Type.REBALANCED, "a", "b", "a overloaded");
        assertThat(store.move(inboxA, TaskState.INBOX, "b", rebalanced)).isEqualTo(MoveOutcome.MOVED);
        TaskRef inboxB = store.find(task.id()).orElseThrow();
        assertThat(inboxB.node()).isEqualTo("b");
        store.move(inboxB, TaskState.RUNNING, "b");
        TaskRef running = store.find(task.id()).orElseThrow();
        TaskEvent reclaimed = new TaskEvent(clock.instant(), 7, TaskEvent.Type.RECLAIMED_DEAD_NODE, "b", null, "b dead");

        assertThat(store.move(running, TaskState.PENDING, null, reclaimed)).isEqualTo(MoveOutcome.MOVED);
        // The same stale ref again: lost, and no second event recorded.
        assertThat(store.move(running, TaskState.PENDING, null, reclaimed)).isEqualTo(MoveOutcome.LOST_RACE);

        StoredTask stored = store.read(store.find(task.id()).orElseThrow()).orElseThrow();
        assertThat(stored.ref().state()).isEqualTo(TaskState.PENDING);
        assertThat(stored.history()).containsExactly(rebalanced, reclaimed);
        assertThat(stored.count(TaskEvent.Type.RECLAIMED_DEAD_NODE)).isEqualTo(1);
        assertThat(stored.task()).isEqualTo(task);
    }

    @Test
    void claimStartsTheLeaseAndTouchRenewsItUntilTheFileIsGone() throws IOException {
        TaskRef ref = store.submit(TestTasks.task(1));
        Files.setLastModifiedTime(store.pathOf(ref), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        store.move(ref, TaskState.INBOX, "a");
        TaskRef inbox = store.find(ref.taskId()).orElseThrow();
        store.move(inbox, TaskState.RUNNING, "a");
        TaskRef running = store.find(ref.taskId()).orElseThrow();
        assertThat(store.leaseRenewedAt(running)).contains(clock.instant());

        clock.advance(Duration.ofMinutes(3));
        assertThat(store.touchLease(running)).isTrue();
        assertThat(store.leaseRenewedAt(running)).contains(clock.instant());

        store.move(running, TaskState.PENDING, null);
        assertThat(store.touchLease(running)).isFalse();
        assertThat(store.leaseRenewedAt(running)).isEmpty();
    }

    @Test
    void completeOfMovedTaskIsLostRaceAndLeavesTheFileAlone() throws IOException {
        MigrationTask task = TestTasks.task(1);
        TaskRef running = runningOn("a", task);
        store.move(running, TaskState.PENDING, null);
        TaskRef pending = store.find(task.id()).orElseThrow();
        byte[] before = Files.readAllBytes(store.pathOf(pending));

        assertThat(store.complete(running, TestTasks.result(task, "zombie", "a"))).isEqualTo(MoveOutcome.LOST_RACE);

        assertThat(Files.readAllBytes(store.pathOf(pending))).isEqualTo(before);
        assertThat(store.count(TaskState.DONE, null)).isZero();
    }

    @Test
    void zombieStrayResultInAMovedFileIsNeverTakenAsTheResult() {
        MigrationTask task = TestTasks.task(2);
        TaskRef running = runningOn("a", task);
        // The zombie's file is reclaimed between its append and its rename.
        store.afterResultAppended = p -> store.move(running, TaskState.PENDING, null,
                new TaskEvent(clock.instant(), 2, TaskEvent.Type.RECLAIMED_DEAD_NODE, "a", null, "a dead"));

        assertThat(store.complete(running, TestTasks.result(task, "zombie-run", "a"))).isEqualTo(MoveOutcome.LOST_RACE);
        store.afterResultAppended = p -> { };

        TaskRef pending = store.find(task.id()).orElseThrow();
        assertThat(pending.state()).isEqualTo(TaskState.PENDING);
        assertThat(store.read(pending).orElseThrow().result()).isEmpty();
        TaskRef rerun = runningOn("b", pending);
        TaskResult good = TestTasks.result(task, "run-b", "b");
        assertThat(store.complete(rerun, good)).isEqualTo(MoveOutcome.MOVED);

        StoredTask done = store.read(store.find(task.id()).orElseThrow()).orElseThrow();
        assertThat(done.result()).contains(good);
        assertThat(done.count(TaskEvent.Type.RECLAIMED_DEAD_NODE)).isEqualTo(1);
    }

    @Test
    void unparseableFileFailsWithItsCodeInTheName() throws IOException {
        String id = TaskIds.newId(clock.instant());
        Files.writeString(root.resolve("pending").resolve(id + ".json"), "{not json");
        TaskRef ref = onlyRef(TaskState.PENDING);

        InvalidTaskException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidTaskException.class, () -> store.read(ref));
        assertThat(store.fail(ref, e.code(), e.getMessage(), null)).isEqualTo(MoveOutcome.MOVED);

        TaskRef failed = store.find(id).orElseThrow();
        assertThat(failed.state()).isEqualTo(TaskState.FAILED);
        assertThat(failed.fileName()).startsWith(id + "~INVALID_JSON~").endsWith(".json");
        assertThat(DirectoryTaskStore.failureCode(failed)).contains(ErrorCode.INVALID_JSON);
        // the task file is never written to again: the event and the result are side files of their own
        assertThat(Files.readString(store.pathOf(failed))).isEqualTo("{not json");
        try (Stream<Path> events = Files.list(root.resolve("records").resolve(id.substring(0, 11)).resolve(id))) {
            assertThat(events.filter(p -> p.getFileName().toString().startsWith("event~")).map(p -> readString(p)))
                    .singleElement().asString().contains("\"type\":\"FAILED\"");
        }
        // The unreadable task still has a result: the id from the name, the raw reason.
        TaskResult r = store.result(failed).orElseThrow();
        assertThat(r.taskId()).isEqualTo(id);
        assertThat(r.outcome()).isEqualTo(TaskOutcome.REJECTED);
        assertThat(r.code()).isEqualTo(ErrorCode.INVALID_JSON);
        assertThat(r.message()).isEqualTo(e.getMessage());
        assertThat(r.isFinal()).isTrue();
    }

    @Test
    void failWithoutResultDerivesOneWithEveryFileFailedWithTheCode() {
        MigrationTask task = TestTasks.task(2);
        TaskRef pending = store.submit(task);

        assertThat(store.fail(pending, ErrorCode.TOO_MANY_REASSIGNMENTS, "reassigned 4 times", null))
                .isEqualTo(MoveOutcome.MOVED);

        TaskRef failed = store.find(task.id()).orElseThrow();
        TaskResult r = store.result(failed).orElseThrow();
        assertThat(store.read(failed).orElseThrow().result()).contains(r);
        assertThat(r.resultId()).isEqualTo(task.id() + "#1");
        assertThat(r.outcome()).isEqualTo(TaskOutcome.FAILED);
        assertThat(r.code()).isEqualTo(ErrorCode.TOO_MANY_REASSIGNMENTS);
        assertThat(r.node()).isNull();
        assertThat(r.files()).hasSize(2).allSatisfy(f -> assertThat(f.code()).isEqualTo(ErrorCode.TOO_MANY_REASSIGNMENTS));
        assertThat(r.countsByCode()).containsExactly(java.util.Map.entry(ErrorCode.TOO_MANY_REASSIGNMENTS, 2L));
    }

    @Test
    void failedTaskArchivedKeepsItsIdCodeAndResult() {
        MigrationTask task = TestTasks.task(1);
        store.fail(store.submit(task), ErrorCode.TOO_MANY_REASSIGNMENTS, "x", null);
        TaskRef failed = store.find(task.id()).orElseThrow();
        TaskResult r = store.result(failed).orElseThrow();

        assertThat(store.move(failed, TaskState.ARCHIVED, null)).isEqualTo(MoveOutcome.MOVED);

        TaskRef archived = store.find(task.id()).orElseThrow();
        assertThat(archived.state()).isEqualTo(TaskState.ARCHIVED);
        assertThat(archived.taskId()).isEqualTo(task.id());
        assertThat(DirectoryTaskStore.failureCode(archived)).contains(ErrorCode.TOO_MANY_REASSIGNMENTS);
        assertThat(store.result(archived)).contains(r);
        try (Stream<TaskRef> listed = store.list(TaskState.ARCHIVED)) {
            assertThat(listed.toList()).containsExactly(archived); // a task name, not a foreign entry
        }
    }

    @Test
    void failedFileWithoutResultRecordGetsTheSameDerivedResultOnEveryRead() throws IOException {
        String id = TaskIds.newId(clock.instant());
        // As an older release wrote it: no run id in the name, no result record inside.
        Files.writeString(root.resolve("failed").resolve(id + "~INVALID_JSON.json"), "{broken");
        TaskRef ref = store.find(id).orElseThrow();

        TaskResult first = store.result(ref).orElseThrow();
        assertThat(first.resultId()).isEqualTo(id + "#1");
        assertThat(first.outcome()).isEqualTo(TaskOutcome.REJECTED);
        assertThat(first.code()).isEqualTo(ErrorCode.INVALID_JSON);
        assertThat(store.result(ref)).contains(first);
    }

    @Test
    void failWithResultKeepsThatResultOnly() {
        MigrationTask task = TestTasks.task(1);
        TaskRef running = runningOn("a", task);
        TaskResult result = TestTasks.result(task, "run-7", "a");

        assertThat(store.fail(running, ErrorCode.MAX_ATTEMPTS_EXCEEDED, "5 attempts", result)).isEqualTo(MoveOutcome.MOVED);

        TaskRef failed = store.find(task.id()).orElseThrow();
        assertThat(failed.fileName()).isEqualTo(task.id() + "~MAX_ATTEMPTS_EXCEEDED~run-7.json");
        assertThat(DirectoryTaskStore.failureCode(failed)).contains(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        StoredTask stored = store.read(failed).orElseThrow();
        assertThat(stored.result()).contains(result);
        assertThat(stored.history()).singleElement().satisfies(ev -> {
            assertThat(ev.type()).isEqualTo(TaskEvent.Type.FAILED);
            assertThat(ev.fromNode()).isEqualTo("a");
            assertThat(ev.reason()).isEqualTo("MAX_ATTEMPTS_EXCEEDED: 5 attempts");
        });
    }

    @Test
    void tornTrailingRecordIsIgnoredAndLaterRecordsStillCount() throws IOException {
        MigrationTask task = TestTasks.task(1);
        TaskRef running = runningOn("a", task);
        Path file = store.pathOf(running);
        Files.write(file, "\n{\"record\":\"result\",\"taskId\":\"x\",\"run".getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);
        assertThat(store.read(running).orElseThrow().task()).isEqualTo(task);
        // A crash mid-append left the torn record; the re-run still commits cleanly.
        Files.write(file, new byte[] {(byte) 0xE2, (byte) 0x82}, StandardOpenOption.APPEND);
        TaskResult result = TestTasks.result(task, "run-2", "a");

        assertThat(store.complete(running, result)).isEqualTo(MoveOutcome.MOVED);

        assertThat(store.read(store.find(task.id()).orElseThrow()).orElseThrow().result()).contains(result);
    }

    @Test
    void readsPrettyPrintedTaskWrittenByAHost() throws IOException {
        String id = TaskIds.newId(clock.instant());
        String json = "{\n  \"schemaVersion\" : 1,\n  \"id\" : \"" + id + "\",\n  \"createdAt\" : \"2026-11-25T08:00:00Z\",\n"
                + "  \"attempt\" : 1,\n  \"sourceRoot\" : \"/data\",\n  \"files\" : [ {\n    \"source\" : \"a/b é.txt\",\n"
                + "    \"target\" : \"k/b é.txt\"\n  } ]\n}";
        Files.writeString(root.resolve("pending").resolve(id + ".json"), json);

        StoredTask stored = store.read(onlyRef(TaskState.PENDING)).orElseThrow();

        assertThat(stored.task().files()).containsExactly(new FileEntry("a/b é.txt", "k/b é.txt"));
        assertThat(stored.task().attributes()).isEmpty();
    }

    @Test
    void moveToUnregisteredNodeFailsWithIoErrorAndLeavesTaskInPlace() {
        TaskRef ref = store.submit(TestTasks.task(1));

        assertThatThrownBy(() -> store.move(ref, TaskState.INBOX, "ghost"))
                .isInstanceOfSatisfying(MigrateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TASK_STORE_IO));
        assertOnlyIn(ref.taskId(), TaskState.PENDING, null);
    }

    @Test
    void nodesAndPerNodeCounts() {
        runningOn("a", TestTasks.task(1));
        store.move(store.submit(TestTasks.task(1)), TaskState.INBOX, "b");
        store.move(store.submit(TestTasks.task(1)), TaskState.INBOX, "b");

        assertThat(store.nodes()).containsExactly("a", "b");
        assertThat(store.count(TaskState.RUNNING, "a")).isEqualTo(1);
        assertThat(store.count(TaskState.INBOX, "b")).isEqualTo(2);
        assertThat(store.count(TaskState.INBOX, null)).isEqualTo(2);
        try (Stream<TaskRef> s = store.list(TaskState.INBOX)) {
            assertThat(s.map(TaskRef::node).collect(Collectors.toList())).containsExactly("b", "b");
        }
    }

    @Test
    void purgeArchiveRemovesOnlyTasksOlderThanRetention() {
        MigrationTask old = TestTasks.task(1);
        TaskRef r1 = runningOn("a", old);
        store.complete(r1, TestTasks.result(old, "r1", "a"));
        store.move(store.find(old.id()).orElseThrow(), TaskState.ARCHIVED, null);
        clock.advance(Duration.ofDays(8));
        MigrationTask fresh = TestTasks.task(1);
        store.complete(runningOn("a", fresh), TestTasks.result(fresh, "r2", "a"));
        store.move(store.find(fresh.id()).orElseThrow(), TaskState.ARCHIVED, null);

        assertThat(store.purgeArchive(Duration.ofDays(7))).isEqualTo(1);

        assertThat(store.find(old.id())).isEmpty();
        assertThat(store.find(fresh.id()).map(TaskRef::state)).contains(TaskState.ARCHIVED);
    }

    @Test
    void purgeArchiveRemovesTheEmptyBucketsAndHoursOfTheArchiveWithTheirKeptCounts() {
        MigrationTask t = TestTasks.task(1);
        store.complete(runningOn("a", t), TestTasks.result(t, "r1", "a"));
        store.move(store.find(t.id()).orElseThrow(), TaskState.ARCHIVED, null);
        Path hour = store.pathOf(store.find(t.id()).orElseThrow()).getParent().getParent();
        assertThat(store.count(TaskState.ARCHIVED, null)).isEqualTo(1);
        clock.advance(Duration.ofDays(3650)); // past the real time the directories' mtimes come from

        assertThat(store.purgeArchive(Duration.ofDays(7))).isEqualTo(1);

        assertThat(hour).doesNotExist();
        assertThat(root.resolve("counts/archive").resolve(hour.getFileName())).doesNotExist();
        assertThat(store.count(TaskState.ARCHIVED, null)).isZero();
    }

    // ---- part ledger journals (records/<hour>/<id>/ledger~<file>~<runId>.jsonl)

    private Path journalOf(MigrationTask task, int file, String runId) {
        return root.resolve("records").resolve(task.id().substring(0, 11)).resolve(task.id())
                .resolve("ledger~" + file + "~" + runId + ".jsonl");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> records(MigrationTask task, int file) {
        return TaskStoreContract.ledgers(store, task.id(), file);
    }

    /** A crash during an append leaves a record without its line feed: it is dropped, the rest is read. */
    @Test
    void aJournalsTornLastRecordIsDroppedAndTheRestReadBack() throws IOException {
        MigrationTask task = TestTasks.task(1);
        store.submit(task);
        store.startLedger(task.id(), "run-1", 0, utf8("h"));
        store.appendLedger(task.id(), "run-1", 0, List.of(utf8("[0,1,2]")));
        Path f = journalOf(task, 0, "run-1");
        assertThat(f).hasContent("h\n[0,1,2]");
        Files.write(f, utf8("[65536,1,"), StandardOpenOption.APPEND); // torn by the crash

        assertThat(records(task, 0)).containsExactly("run-1:h:[0,1,2]");
    }

    /** A journal that is damaged, oversized, headless, a directory or of a bad name is left out, never an error. */
    @Test
    void aGarbageOrOversizedJournalIsIgnored() throws IOException {
        MigrationTask task = TestTasks.task(1);
        store.submit(task);
        store.startLedger(task.id(), "good", 0, utf8("h"));
        Path good = journalOf(task, 0, "good");
        Files.write(good.resolveSibling("ledger~0~big.jsonl"), new byte[TaskStore.MAX_LEDGER_BYTES + 1]);
        Files.write(good.resolveSibling("ledger~0~headless.jsonl"), utf8("no line feed at all"));
        Files.write(good.resolveSibling("ledger~0~empty.jsonl"), new byte[0]);
        Files.createDirectory(good.resolveSibling("ledger~0~dir.jsonl"));
        Files.write(good.resolveSibling("ledger~0~bad~name.jsonl"), utf8("h\n"));
        Files.write(good.resolveSibling("ledger~0~old.json"), utf8("{\"ledger\":1}\n")); // an earlier release's

        assertThat(records(task, 0)).containsExactly("good:h:");
    }

    @Test
    void aJournalGrowsNoLargerThanTheBound() throws IOException {
        MigrationTask task = TestTasks.task(1);
        store.submit(task);
        store.startLedger(task.id(), "run-1", 0, utf8("h"));
        Path f = journalOf(task, 0, "run-1");
        try (var ch = java.nio.channels.FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(utf8("h\n")), TaskStore.MAX_LEDGER_BYTES - 3L); // a full journal
        }
        long size = Files.size(f);
        assertThatThrownBy(() -> store.appendLedger(task.id(), "run-1", 0, List.of(utf8("[0,1,2]"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.size(f)).isEqualTo(size);
    }

    /** The journals go with their task: purged with it, and nothing is appended (or created) after that. */
    @Test
    void aJournalGoesWithThePurgeOfItsTask() {
        MigrationTask t = TestTasks.task(1);
        TaskRef running = runningOn("a", t);
        store.startLedger(t.id(), "run-1", 0, utf8("h"));
        store.appendLedger(t.id(), "run-1", 0, List.of(utf8("[0,1,2]")));
        store.complete(running, TestTasks.result(t, "run-1", "a"));
        store.move(store.find(t.id()).orElseThrow(), TaskState.ARCHIVED, null);
        clock.advance(Duration.ofDays(8));

        assertThat(store.purgeArchive(Duration.ofDays(7))).isEqualTo(1);

        assertThat(store.ledgers(t.id(), 0)).isEmpty();
        assertThat(store.appendLedger(t.id(), "run-1", 0, List.of(utf8("[65536,1,2]")))).isFalse(); // a zombie's late part
        assertThat(journalOf(t, 0, "run-1")).doesNotExist();
    }

    /**
     * The cost of recording a part: one append (fsync'd with the default store, not with
     * {@code syncDirectories(false)}) of a 1,000-record journal. Printed, not asserted: a timing goal
     * lives in a benchmark.
     */
    @Test
    void appendingAThousandRecordsReadsBackInOrder() {
        for (boolean sync : new boolean[] {true, false}) {
            DirectoryTaskStore s = DirectoryTaskStore.builder().root(root.resolve("sync-" + sync)).clock(clock)
                    .syncDirectories(sync).build();
            MigrationTask task = TestTasks.task(1);
            s.submit(task);
            s.startLedger(task.id(), "run-1", 0, utf8("h"));
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                assertThat(s.appendLedger(task.id(), "run-1", 0, List.of(
                        utf8("[" + (i * 65536L) + ",65536,12345678,\"0123456789abcdef0123456789abcdef\"]")))).isTrue();
            }
            long nanos = System.nanoTime() - t0;
            System.out.printf("part ledger append (%s): %.1f us/append over 1000 appends on %s%n",
                    sync ? "fsync" : "no fsync", nanos / 1000 / 1000.0, root);
            List<TaskStore.Ledger> l = s.ledgers(task.id(), 0);
            assertThat(l).hasSize(1);
            assertThat(l.get(0).records()).hasSize(1000);
            assertThat(new String(l.get(0).records().get(999), StandardCharsets.UTF_8)).startsWith("[" + 999 * 65536L + ",");
        }
    }

    @Test
    void cleanStaleIncomingNeverTouchesFreshTempFiles() throws IOException {
        Path incoming = root.resolve("incoming");
        Path stale = Files.writeString(incoming.resolve(".stale.tmp"), "{");
        Files.setLastModifiedTime(stale, FileTime.from(clock.instant().minus(Duration.ofHours(2))));
        Path fresh = Files.writeString(incoming.resolve(".fresh.tmp"), "{");
        Files.setLastModifiedTime(fresh, FileTime.from(clock.instant().minus(Duration.ofMinutes(59))));
        Path foreign = Files.writeString(incoming.resolve("keep.txt"), "x");
        Files.setLastModifiedTime(foreign, FileTime.from(clock.instant().minus(Duration.ofDays(2))));

        assertThat(store.cleanStaleIncoming(Duration.ofHours(1))).isEqualTo(1);

        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
        assertThat(foreign).exists();
    }

    @Test
    void refusesTransitionsThatNeedTheirOwnOperation() {
        TaskRef ref = store.submit(TestTasks.task(1));
        assertThatThrownBy(() -> store.move(ref, TaskState.DONE, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.move(ref, TaskState.FAILED, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.move(ref, TaskState.INBOX, null)).isInstanceOf(MigrateException.class);
        assertThatThrownBy(() -> store.move(ref, TaskState.INBOX, "../x")).isInstanceOf(MigrateException.class);
        assertOnlyIn(ref.taskId(), TaskState.PENDING, null);
    }

    @Test
    void whereEnoentMayBeAnNfsEchoTheDestinationDecides() {
        DirectoryTaskStore nfsLike = DirectoryTaskStore.builder().root(root).clock(clock).renameEnoentMayBeEcho(true).build();
        TaskRef ref = nfsLike.submit(TestTasks.task(1));
        assertThat(nfsLike.move(ref, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.MOVED);

        // As if our first rename went through and its retransmission answered ENOENT.
        assertThat(nfsLike.move(ref, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.MOVED);
        // The task is not where this caller wanted it: a lost race.
        assertThat(nfsLike.move(ref, TaskState.INBOX, "b")).isEqualTo(MoveOutcome.LOST_RACE);
        // A local filesystem trusts ENOENT.
        assertThat(store.move(ref, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.LOST_RACE);
        assertOnlyIn(ref.taskId(), TaskState.INBOX, "a");
    }

    // ------------------------------------------------------------------ helpers

    private TaskRef runningOn(String node, MigrationTask task) {
        return runningOn(node, store.submit(task));
    }

    private TaskRef runningOn(String node, TaskRef pending) {
        assertThat(store.move(pending, TaskState.INBOX, node)).isEqualTo(MoveOutcome.MOVED);
        TaskRef inbox = new TaskRef(pending.taskId(), TaskState.INBOX, node, pending.taskId() + ".json");
        assertThat(store.move(inbox, TaskState.RUNNING, node)).isEqualTo(MoveOutcome.MOVED);
        return new TaskRef(pending.taskId(), TaskState.RUNNING, node, pending.taskId() + ".json");
    }

    private TaskRef onlyRef(TaskState state) {
        try (Stream<TaskRef> s = store.list(state)) {
            List<TaskRef> refs = s.collect(Collectors.toList());
            assertThat(refs).hasSize(1);
            return refs.get(0);
        }
    }

    /** Counts the task's files in every directory of the root. */
    private void assertOnlyIn(String taskId, TaskState state, String node) {
        long copies = 0;
        for (TaskState s : TaskState.values()) {
            if (s == TaskState.INCOMING) {
                continue;
            }
            try (Stream<TaskRef> refs = store.list(s)) {
                for (TaskRef r : (Iterable<TaskRef>) refs::iterator) {
                    if (r.taskId().equals(taskId)) {
                        copies++;
                        assertThat(r.state()).isEqualTo(state);
                        assertThat(r.node()).isEqualTo(node);
                    }
                }
            }
        }
        assertThat(copies).as("copies of " + taskId).isEqualTo(1);
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void retryIdForKeepsTheFirstProposalForEveryLaterRunOfTheTask() {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        String task = TaskIds.newId(Instant.parse("2026-11-25T08:00:00Z"));
        String other = TaskIds.newId(Instant.parse("2026-11-25T08:00:01Z"));
        String first = TaskIds.newId(Instant.parse("2026-11-25T08:01:00Z"));
        String second = TaskIds.newId(Instant.parse("2026-11-25T08:02:00Z"));

        assertThat(store.retryIdFor(task, first)).isEqualTo(first);
        assertThat(store.retryIdFor(task, second)).as("a later run of the same task").isEqualTo(first);
        assertThat(DirectoryTaskStore.builder().root(root).build().retryIdFor(task, second))
                .as("after a restart").isEqualTo(first);
        assertThat(store.retryIdFor(other, second)).as("another task").isEqualTo(second);
    }
}
