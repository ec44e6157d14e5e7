package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link TaskStore} (issue 17, {@code docs/task-root.md}): a task is in exactly one
 * place, every transition is one compare-and-swap, a lost race changes nothing. Shipped in the
 * {@code migrate-core} test-jar; a host with its own store extends it and implements
 * {@link #newStore()} (see {@code docs/contract-tests.md}).
 */
public abstract class TaskStoreContract {
    private TaskStore store;

    /** @return a new, empty store; nodes {@code a} and {@code b} are registered by the contract */
    protected abstract TaskStore newStore() throws Exception;

    @BeforeEach
    void createStore() throws Exception {
        store = newStore();
        store.registerNode("a");
        store.registerNode("b");
        store.registerNode("a"); // idempotent
    }

    @Test
    void aSubmittedTaskIsDurableInPendingAndReadsBackUnchanged() {
        MigrationTask task = task(Instant.now());
        TaskRef ref = store.submit(task);
        assertThat(ref.state()).isEqualTo(TaskState.PENDING);
        assertThat(store.find(task.id())).contains(ref);
        assertThat(store.read(ref).orElseThrow().task()).isEqualTo(task);
        assertThat(store.nodes()).contains("a", "b");
    }

    @Test
    void listingIsSortedByEligibilityAndCountAgrees() {
        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        MigrationTask later = task(t.plusSeconds(60));
        MigrationTask earlier = task(t);
        store.submit(later);
        store.submit(earlier);
        assertThat(ids(TaskState.PENDING)).containsExactly(earlier.id(), later.id());
        assertThat(store.count(TaskState.PENDING, null)).isEqualTo(2);
        assertThat(store.count(TaskState.INBOX, "a")).isZero();
    }

    @Test
    void aTaskWalksItsLifeAndIsAlwaysInExactlyOnePlace() {
        MigrationTask task = task(Instant.now());
        TaskRef pending = store.submit(task);
        assertThat(store.move(pending, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.MOVED);
        TaskRef inbox = store.find(task.id()).orElseThrow();
        assertThat(inbox.state()).isEqualTo(TaskState.INBOX);
        assertThat(inbox.node()).isEqualTo("a");
        assertThat(ids(TaskState.PENDING)).isEmpty();

        assertThat(store.move(inbox, TaskState.RUNNING, "a")).isEqualTo(MoveOutcome.MOVED);
        TaskRef running = store.find(task.id()).orElseThrow();
        assertThat(running.state()).isEqualTo(TaskState.RUNNING);
        assertThat(store.touchLease(running)).isTrue();
        assertThat(store.leaseRenewedAt(running)).isPresent();

        TaskResult result = result(task, "run-1");
        assertThat(store.complete(running, result)).isEqualTo(MoveOutcome.MOVED);
        TaskRef done = store.find(task.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(TaskState.DONE);
        assertThat(store.read(done).orElseThrow().result()).contains(result);
        assertThat(ids(TaskState.INBOX)).isEmpty();
        assertThat(ids(TaskState.RUNNING)).isEmpty();

        assertThat(store.move(done, TaskState.ARCHIVED, null)).isEqualTo(MoveOutcome.MOVED);
        assertThat(store.find(task.id()).orElseThrow().state()).isEqualTo(TaskState.ARCHIVED);
        assertThat(store.copies(task.id())).hasSize(1);
    }

    @Test
    void aTransitionWhoseSourceHasMovedLosesTheRaceAndChangesNothing() {
        MigrationTask task = task(Instant.now());
        TaskRef pending = store.submit(task);
        assertThat(store.move(pending, TaskState.INBOX, "a")).isEqualTo(MoveOutcome.MOVED);

        assertThat(store.move(pending, TaskState.INBOX, "b")).isEqualTo(MoveOutcome.LOST_RACE);
        assertThat(store.fail(pending, ErrorCode.INTERNAL, "stale ref", null)).isEqualTo(MoveOutcome.LOST_RACE);
        TaskRef staleRunning = new TaskRef(task.id(), TaskState.RUNNING, "b", pending.fileName());
        assertThat(store.touchLease(staleRunning)).isFalse();
        assertThat(store.complete(staleRunning, result(task, "zombie"))).isEqualTo(MoveOutcome.LOST_RACE);

        TaskRef where = store.find(task.id()).orElseThrow();
        assertThat(where.state()).isEqualTo(TaskState.INBOX);
        assertThat(where.node()).isEqualTo("a");
    }

    @Test
    void ofManyThreadsClaimingOneTaskExactlyOneWins() throws Exception {
        MigrationTask task = task(Instant.now());
        TaskRef pending = store.submit(task);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<MoveOutcome>> claims = Stream.<Callable<MoveOutcome>>generate(
                    () -> () -> store.move(pending, TaskState.INBOX, "a")).limit(threads).collect(Collectors.toList());
            List<MoveOutcome> outcomes = pool.invokeAll(claims).stream().map(TaskStoreContract::get)
                    .collect(Collectors.toList());
            assertThat(outcomes).filteredOn(o -> o == MoveOutcome.MOVED).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.copies(task.id())).hasSize(1);
    }

    @Test
    void aFailedTaskKeepsItsCodeAndResult() {
        MigrationTask task = task(Instant.now());
        TaskRef pending = store.submit(task);
        TaskResult result = new TaskResult(task.id(), 1, "run-2", "a", Instant.now(), Instant.now(),
                TaskOutcome.REJECTED, ErrorCode.PATH_TRAVERSAL, "no", List.of(), null);
        assertThat(store.fail(pending, ErrorCode.PATH_TRAVERSAL, "no", result)).isEqualTo(MoveOutcome.MOVED);
        TaskRef failed = store.find(task.id()).orElseThrow();
        assertThat(failed.state()).isEqualTo(TaskState.FAILED);
        assertThat(store.read(failed).orElseThrow().result()).contains(result);
    }

    @Test
    void aReclaimRecordsItsEventInTheHistory() {
        MigrationTask task = task(Instant.now());
        TaskRef pending = store.submit(task);
        store.move(pending, TaskState.INBOX, "a");
        TaskRef inbox = store.find(task.id()).orElseThrow();
        TaskEvent event = new TaskEvent(Instant.parse("2026-11-25T09:00:00Z"), 3, TaskEvent.Type.RECLAIMED_DEAD_NODE,
                "a", null, "node a dead");
        assertThat(store.move(inbox, TaskState.PENDING, null, event)).isEqualTo(MoveOutcome.MOVED);
        StoredTask back = store.read(store.find(task.id()).orElseThrow()).orElseThrow();
        assertThat(back.history()).containsExactly(event);
    }

    /**
     * Part ledgers (resume state of large files): one journal per run and file, a header then one
     * record per part, appended only by that run and started again (replaced whole) only by it,
     * never by another; they stay with the task through a reclaim to another node and are not part
     * of its history or result. A store that keeps none says so ({@code startLedger} false) and is
     * skipped here.
     */
    @Test
    void aRunsLedgerJournalReadsBackFollowsTheTaskAndNoOtherRunTouchesIt() {
        MigrationTask task = task(Instant.now());
        TaskRef pending = store.submit(task);
        Assumptions.assumeTrue(store.startLedger(task.id(), "run-1", 0, utf8("h1")), "this store keeps no ledgers");
        assertThat(store.appendLedger(task.id(), "run-1", 0, List.of(utf8("p0")))).isTrue();
        store.appendLedger(task.id(), "run-1", 0, List.of(utf8("p1")));
        store.startLedger(task.id(), "run-2", 0, utf8("h2"));
        store.appendLedger(task.id(), "run-2", 0, List.of(utf8("q0")));
        store.startLedger(task.id(), "run-1", 1, utf8("h3"));
        assertThat(ledgers(task, 0)).containsExactlyInAnyOrder("run-1:h1:p0,p1", "run-2:h2:q0");
        assertThat(ledgers(task, 1)).containsExactly("run-1:h3:");
        assertThat(ledgers(task, 2)).isEmpty();

        // a run that starts again (a new upload) replaces its own journal whole, nobody else's
        store.startLedger(task.id(), "run-1", 0, utf8("h4"));
        store.appendLedger(task.id(), "run-1", 0, List.of(utf8("r0")));
        assertThat(ledgers(task, 0)).containsExactlyInAnyOrder("run-1:h4:r0", "run-2:h2:q0");
        // nothing is appended to a journal that was never started
        assertThat(store.appendLedger(task.id(), "run-3", 0, List.of(utf8("x")))).isFalse();
        assertThat(ledgers(task, 0)).containsExactlyInAnyOrder("run-1:h4:r0", "run-2:h2:q0");

        store.move(pending, TaskState.INBOX, "a");
        store.move(store.find(task.id()).orElseThrow(), TaskState.RUNNING, "a");
        store.move(store.find(task.id()).orElseThrow(), TaskState.PENDING, null); // reclaimed from a
        store.move(store.find(task.id()).orElseThrow(), TaskState.INBOX, "b");
        TaskRef onB = store.find(task.id()).orElseThrow();
        assertThat(ledgers(task, 0)).containsExactlyInAnyOrder("run-1:h4:r0", "run-2:h2:q0");
        assertThat(store.read(onB).orElseThrow().history()).isEmpty();
        store.move(onB, TaskState.RUNNING, "b");
        // appended after the reclaim; several parts in one append
        assertThat(store.appendLedger(task.id(), "run-2", 0, List.of(utf8("q1"), utf8("q2")))).isTrue();
        assertThat(ledgers(task, 0)).containsExactlyInAnyOrder("run-1:h4:r0", "run-2:h2:q0,q1,q2");

        TaskResult result = result(task, "run-3");
        assertThat(store.complete(store.find(task.id()).orElseThrow(), result)).isEqualTo(MoveOutcome.MOVED);
        assertThat(store.read(store.find(task.id()).orElseThrow()).orElseThrow().result()).contains(result);
    }

    @Test
    void aLedgerWithABadNameOrRecordIsRefusedBeforeAnythingIsWritten() {
        MigrationTask task = task(Instant.now());
        store.submit(task);
        Assumptions.assumeTrue(store.startLedger(task.id(), "run-1", 0, utf8("h")), "this store keeps no ledgers");
        store.appendLedger(task.id(), "run-1", 0, List.of(utf8("p0")));
        List<org.assertj.core.api.ThrowableAssert.ThrowingCallable> bad = List.of(
                () -> store.startLedger(task.id(), "bad~run", 0, utf8("y")),
                () -> store.startLedger(task.id(), "run-1", -1, utf8("y")),
                () -> store.startLedger("not-an-id", "run-1", 0, utf8("y")),
                () -> store.startLedger(task.id(), "run-1", 0, new byte[TaskStore.MAX_LEDGER_HEADER_BYTES + 1]),
                () -> store.startLedger(task.id(), "run-1", 0, utf8("two\nlines")),
                () -> store.startLedger(task.id(), "run-1", 0, new byte[0]),
                () -> store.appendLedger(task.id(), "bad~run", 0, List.of(utf8("y"))),
                () -> store.appendLedger(task.id(), "run-1", -1, List.of(utf8("y"))),
                () -> store.appendLedger(task.id(), "run-1", 0, List.of(new byte[TaskStore.MAX_LEDGER_RECORD_BYTES + 1])),
                () -> store.appendLedger(task.id(), "run-1", 0, List.of(utf8("p1\np2"))),
                () -> store.appendLedger(task.id(), "run-1", 0, List.of(utf8("p1"), new byte[0])), // all or nothing
                () -> store.appendLedger(task.id(), "run-1", 0, List.of()));
        for (org.assertj.core.api.ThrowableAssert.ThrowingCallable call : bad) {
            org.assertj.core.api.Assertions.assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(ledgers(task, 0)).containsExactly("run-1:h:p0");
    }

    private List<String> ledgers(MigrationTask task, int file) {
        return ledgers(store, task.id(), file);
    }

    /** @return each journal of the file as {@code run:header:record,record,..} */
    static List<String> ledgers(TaskStore store, String taskId, int file) {
        return store.ledgers(taskId, file).stream()
                .map(l -> l.runId() + ":" + new String(l.header(), StandardCharsets.UTF_8) + ":"
                        + l.records().stream().map(r -> new String(r, StandardCharsets.UTF_8))
                                .collect(Collectors.joining(",")))
                .collect(Collectors.toList());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anUnknownIdIsNowhere() {
        assertThat(store.find(TaskIds.newId(Instant.now()))).isEmpty();
        assertThat(store.copies(TaskIds.newId(Instant.now()))).isEmpty();
    }

    private List<String> ids(TaskState state) {
        try (Stream<TaskRef> s = store.list(state)) {
            return s.map(TaskRef::taskId).collect(Collectors.toList());
        }
    }

    private static MigrationTask task(Instant eligible) {
        return MigrationTask.builder().id(TaskIds.newId(eligible)).sourceRoot("/src").addFile("a/b.dat", "k/b.dat")
                .attribute("request", "r1").build();
    }

    private static TaskResult result(MigrationTask task, String runId) {
        Instant now = Instant.parse("2026-11-25T08:00:00Z");
        return new TaskResult(task.id(), task.attempt(), runId, "a", now, now.plusSeconds(1), TaskOutcome.SUCCEEDED,
                null, null, List.of(), null);
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
