package io.migrate.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.dispatch.FakeTime;
import io.migrate.dispatch.Tasks;
import io.migrate.dispatch.TestMembership;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerTest {
    private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

    @TempDir
    Path root;

    FakeTime time;
    DirectoryTaskStore store;
    TestMembership membership;

    @BeforeEach
    void setUp() {
        time = new FakeTime(T0.plus(Duration.ofHours(1)));
        store = DirectoryTaskStore.builder().root(root).clock(time.clock()).syncDirectories(false).build();
        membership = new TestMembership();
        store.registerNode("n1");
    }

    /** An executor whose per-file outcome the test chooses. */
    static TaskExecutor files(Function<FileEntry, ErrorCode> failure) {
        return (task, ctx) -> {
            List<FileResult> out = new ArrayList<>();
            int i = 0;
            for (FileEntry f : task.files()) {
                ErrorCode code = failure.apply(f);
                out.add(new FileResult(f.sourcePath(), f.targetKey(), code == null ? FileOutcome.COPIED : FileOutcome.FAILED,
                        code, code == null ? null : "test", 10, null, Duration.ZERO, 1));
                ctx.progress(10L * ++i, i);
            }
            return new TaskResult(task.id(), task.attempt(), ctx.runId(), ctx.node(), null, null,
                    TaskResult.outcomeOf(out), null, null, out, null);
        };
    }

    private Worker.Builder worker(TaskExecutor executor) {
        return Worker.builder().node("n1").store(store).taskExecutor(executor).membership(membership)
                .clock(time.clock()).nanoTicker(time.ticker()).executionExecutor(Runnable::run);
    }

    private String inbox(MigrationTask task) {
        TaskRef ref = store.submit(task);
        store.move(ref, TaskState.INBOX, "n1");
        return task.id();
    }

    private StoredTask read(String id) {
        return store.read(store.find(id).orElseThrow()).orElseThrow();
    }

    @Test
    void claimsAnInboxTaskExecutesItAndCommitsTheResultToDone() {
        String id = inbox(Tasks.task(T0, 3));
        Worker w = worker(files(f -> null)).build();

        w.pollOnce();

        TaskRef ref = store.find(id).orElseThrow();
        assertThat(ref.state()).isEqualTo(TaskState.DONE);
        TaskResult result = store.read(ref).orElseThrow().result().orElseThrow();
        assertThat(result.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(result.node()).isEqualTo("n1");
        assertThat(result.files()).hasSize(3);
        assertThat(w.completed()).isEqualTo(1);
        assertThat(membership.heartbeats.get()).isPositive();
    }

    /**
     * Issue 21: a claim reads the task document only, never the task's side files under
     * {@code records/}: those were written by other hosts (here the leader's reclaim event), and on
     * CephFS each lookup of a file another client has just written waits for an MDS tick (5 s by
     * default; CephFsIT's worker spent 20-30 s per claimed task listing them).
     */
    @Test
    void aClaimReadsTheTaskDocumentOnlyNeverTheHistoryOtherHostsWrote() {
        String id = inbox(Tasks.task(T0, 2));
        store.move(store.find(id).orElseThrow(), TaskState.PENDING, null,
                new TaskEvent(T0, 1, TaskEvent.Type.RECLAIMED_STALLED, "n1", null, "lease expired"));
        store.move(store.find(id).orElseThrow(), TaskState.INBOX, "n1");
        assertThat(read(id).history()).as("the task has a side file of the leader's").hasSize(1);
        List<String> calls = new CopyOnWriteArrayList<>();
        TaskStore recording = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
                new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                    calls.add(method.getName());
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Worker w = Worker.builder().node("n1").store(recording).taskExecutor(files(f -> null)).membership(membership)
                .clock(time.clock()).nanoTicker(time.ticker()).executionExecutor(Runnable::run).build();

        w.pollOnce();

        assertThat(store.find(id).orElseThrow().state()).isEqualTo(TaskState.DONE);
        assertThat(calls).as("store calls of the worker").contains("readTask").doesNotContain("read");
    }

    @Test
    void resumesItsOwnRunningTasksBeforeTheInbox() {
        String running = store.submit(Tasks.task(T0, 1)).taskId();
        store.move(store.find(running).orElseThrow(), TaskState.RUNNING, "n1");
        String queued = inbox(Tasks.task(T0.plusSeconds(1), 1));
        List<String> order = new ArrayList<>();
        TaskExecutor recording = (task, ctx) -> {
            order.add(task.id());
            return files(f -> null).execute(task, ctx);
        };

        worker(recording).config(WorkerConfig.builder().concurrency(1).build()).build().pollOnce();

        assertThat(order).containsExactly(running, queued);
        assertThat(store.find(running).orElseThrow().state()).isEqualTo(TaskState.DONE);
        assertThat(store.find(queued).orElseThrow().state()).isEqualTo(TaskState.DONE);
    }

    @Test
    void createsARetryTaskForTheRetryableFailuresOnlyBeforeCommitting() {
        MigrationTask task = MigrationTask.builder().id(TaskIds.newId(T0)).createdAt(T0).sourceRoot("/src")
                .addFile("ok", "k/ok").addFile("flaky", "k/flaky").addFile("gone", "k/gone").build();
        inbox(task);
        WorkerConfig config = WorkerConfig.builder().retryBackoff(Duration.ofSeconds(30)).build();
        worker(files(f -> switch (f.sourcePath()) {
            case "flaky" -> ErrorCode.TRANSPORT_FAILED;
            case "gone" -> ErrorCode.SOURCE_NOT_FOUND;
            default -> null;
        })).config(config).build().pollOnce();

        TaskResult result = read(task.id()).result().orElseThrow();
        assertThat(result.outcome()).isEqualTo(TaskOutcome.PARTIALLY_FAILED);
        assertThat(result.retryTaskId()).isNotNull();
        StoredTask retry = read(result.retryTaskId());
        assertThat(retry.ref().state()).isEqualTo(TaskState.PENDING);
        assertThat(retry.task().attempt()).isEqualTo(2);
        assertThat(retry.task().parentTaskId()).contains(task.id());
        assertThat(retry.task().files()).containsExactly(new FileEntry("flaky", "k/flaky"));
        assertThat(TaskIds.eligibleAt(retry.task().id())).isEqualTo(time.now().plusSeconds(30));
    }

    @Test
    void aRunAfterACrashBetweenSubmittingTheRetryAndCommittingReusesThatRetry() {
        MigrationTask task = MigrationTask.builder().id(TaskIds.newId(T0)).createdAt(T0).sourceRoot("/src")
                .addFile("ok", "k/ok").addFile("flaky", "k/flaky").build();
        inbox(task);
        // What the crashed run left: its retry, submitted under the id the store keeps for the task.
        String earlier = store.retryIdFor(task.id(), TaskIds.newId(T0.plusSeconds(5)));
        store.submit(task.toBuilder().id(earlier).attempt(2).parentTaskId(task.id()).build());

        worker(files(f -> f.sourcePath().equals("flaky") ? ErrorCode.TRANSPORT_FAILED : null)).build().pollOnce();

        TaskResult result = read(task.id()).result().orElseThrow();
        assertThat(result.retryTaskId()).isEqualTo(earlier);
        assertThat(store.list(TaskState.PENDING).map(TaskRef::taskId).toList())
                .as("one retry for the task, not one per run").containsExactly(earlier);
    }

    @Test
    void aRunThatNeedsNoRetryStillHandsTheRequestToTheRetryAnEarlierRunSubmitted() {
        MigrationTask task = MigrationTask.builder().id(TaskIds.newId(T0)).createdAt(T0).sourceRoot("/src")
                .addFile("ok", "k/ok").addFile("flaky", "k/flaky").build();
        inbox(task);
        // An earlier run failed "flaky", submitted its retry, then lost its commit and was resumed.
        String earlier = store.retryIdFor(task.id(), TaskIds.newId(T0.plusSeconds(5)));
        store.submit(task.toBuilder().id(earlier).attempt(2).parentTaskId(task.id()).build());

        worker(files(f -> null)).build().pollOnce(); // this time every file succeeds

        TaskResult result = read(task.id()).result().orElseThrow();
        assertThat(result.retryTaskId()).isEqualTo(earlier);
        assertThat(result.isFinal()).as("the retry's result is the request's final one").isFalse();
    }

    @Test
    void backoffDoublesPerAttemptUpToTheMaximum() {
        WorkerConfig c = WorkerConfig.builder().retryBackoff(Duration.ofSeconds(30))
                .maxRetryBackoff(Duration.ofMinutes(3)).build();
        assertThat(List.of(c.backoffAfter(1), c.backoffAfter(2), c.backoffAfter(3), c.backoffAfter(4), c.backoffAfter(5)))
                .containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
                        Duration.ofMinutes(3), Duration.ofMinutes(3));
    }

    @Test
    void aFailureOnTheLastAttemptRecordsTheRetryInFailed() {
        MigrationTask task = Tasks.task(T0, 2).toBuilder().attempt(5).build();
        inbox(task);
        worker(files(f -> ErrorCode.TRANSPORT_FAILED)).build().pollOnce();

        TaskResult result = read(task.id()).result().orElseThrow();
        assertThat(result.outcome()).isEqualTo(TaskOutcome.FAILED);
        TaskRef retry = store.find(result.retryTaskId()).orElseThrow();
        assertThat(retry.state()).isEqualTo(TaskState.FAILED);
        assertThat(DirectoryTaskStore.failureCode(retry)).contains(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        assertThat(store.read(retry).orElseThrow().task().attempt()).isEqualTo(6);
    }

    @Test
    void aTaskBeyondTheMaximumAttemptsIsNotRun() {
        MigrationTask task = Tasks.task(T0, 1).toBuilder().attempt(6).build();
        inbox(task);
        List<String> ran = new ArrayList<>();
        worker((t, ctx) -> {
            ran.add(t.id());
            return null;
        }).build().pollOnce();

        assertThat(ran).isEmpty();
        assertThat(DirectoryTaskStore.failureCode(store.find(task.id()).orElseThrow()))
                .contains(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
    }

    @Test
    void anInvalidTaskFileGoesToFailedWithItsCode() throws Exception {
        String id = TaskIds.newId(T0);
        Files.writeString(root.resolve("nodes/n1/inbox/" + id + ".json"), "{not json");
        worker(files(f -> null)).build().pollOnce();

        TaskRef ref = store.find(id).orElseThrow();
        assertThat(ref.state()).isEqualTo(TaskState.FAILED);
        assertThat(DirectoryTaskStore.failureCode(ref)).contains(ErrorCode.INVALID_JSON);
    }

    @Test
    void aZombieWhoseRunningFileWasReclaimedStopsAndPublishesNothing() {
        String id = inbox(Tasks.task(T0, 4));
        WorkerConfig config = WorkerConfig.builder().leaseRenewInterval(Duration.ofSeconds(10)).build();
        AtomicReference<Boolean> cancelledSeen = new AtomicReference<>(false);
        TaskExecutor slow = (task, ctx) -> {
            // the leader presumed this node dead and took the task back while it ran
            store.move(store.find(task.id()).orElseThrow(), TaskState.PENDING, null);
            time.advance(Duration.ofSeconds(11));
            ctx.progress(1, 1); // lease renewal finds the file gone
            cancelledSeen.set(ctx.isCancelled());
            return files(f -> null).execute(task, ctx);
        };
        Worker w = worker(slow).build();

        w.pollOnce();

        assertThat(cancelledSeen.get()).isTrue();
        assertThat(w.lostOwnership()).isEqualTo(1);
        assertThat(w.completed()).isZero();
        assertThat(Tasks.ids(store, TaskState.DONE, null)).isEmpty();
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(TaskState.PENDING);
        assertThat(read(id).result()).isEmpty();
    }

    /**
     * Issue #14, finding 3: a task reclaimed from this node while it looked dead and dispatched
     * straight back ran twice at once, and the old run's lease touches and commit succeeded
     * because the file was back at the same path.
     */
    @Test
    void aTaskDispatchedBackWhileItsOldRunStillExecutesRunsOnceAtATimeAndOnlyTheNewRunCompletes()
            throws Exception {
        String id = inbox(Tasks.task(T0, 1));
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> runs = new CopyOnWriteArrayList<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        TaskExecutor executor = (task, ctx) -> {
            runs.add(ctx.runId());
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                if (runs.size() == 1) {
                    firstStarted.countDown();
                    release.await(); // paused
                }
                return files(f -> null).execute(task, ctx);
            } finally {
                concurrent.decrementAndGet();
            }
        };
        try (Worker w = worker(executor).executionExecutor(null)
                .config(WorkerConfig.builder().leaseRenewInterval(Duration.ofSeconds(10)).build()).build()) {
            w.pollOnce();
            assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            // the leader reclaims the task from the "dead" node and dispatches it straight back
            store.move(store.find(id).orElseThrow(), TaskState.PENDING, null);
            store.move(store.find(id).orElseThrow(), TaskState.INBOX, "n1");

            w.pollOnce();
            assertThat(store.find(id).orElseThrow().state()).as("not claimed while the old run executes")
                    .isEqualTo(TaskState.INBOX);
            assertThat(runs).hasSize(1);

            time.advance(Duration.ofSeconds(11));
            w.pollOnce(); // the old run's lease check finds its running file gone
            assertThat(w.lostOwnership()).isEqualTo(1);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                w.pollOnce();
                return store.find(id).orElseThrow().state() == TaskState.DONE;
            });
        }
        assertThat(runs).hasSize(2);
        assertThat(maxConcurrent.get()).as("never two runs of one task at once").isEqualTo(1);
        assertThat(read(id).result().orElseThrow().runId()).as("the result is the new run's").isEqualTo(runs.get(1));
    }

    @Test
    void stillOwnedIsFalseForARunWhoseTaskLeftItsRunningDirectory() throws Exception {
        String id = inbox(Tasks.task(T0, 1));
        AtomicReference<Boolean> before = new AtomicReference<>();
        AtomicReference<Boolean> after = new AtomicReference<>();
        TaskExecutor executor = (task, ctx) -> {
            before.set(ctx.stillOwned());
            store.move(store.find(task.id()).orElseThrow(), TaskState.PENDING, null);
            after.set(ctx.stillOwned());
            return files(f -> null).execute(task, ctx);
        };
        Worker w = worker(executor).build();

        w.pollOnce();

        assertThat(before.get()).isTrue();
        assertThat(after.get()).isFalse();
        assertThat(w.lostOwnership()).isEqualTo(1);
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(TaskState.PENDING);
    }

    @Test
    void aZombieWithoutProgressLearnsAtTheCommit() {
        String id = inbox(Tasks.task(T0, 1));
        TaskExecutor executor = (task, ctx) -> {
            store.move(store.find(task.id()).orElseThrow(), TaskState.PENDING, null);
            return files(f -> ErrorCode.TRANSPORT_FAILED).execute(task, ctx);
        };
        Worker w = worker(executor).build();

        w.pollOnce();

        assertThat(w.lostOwnership()).isEqualTo(1);
        assertThat(Tasks.ids(store, TaskState.DONE, null)).isEmpty();
        // no retry task either: the failed file belongs to whoever owns the task now
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).containsExactly(id);
    }

    @Test
    void leasesAreRenewedOnlyForTasksThatMakeProgress() throws Exception {
        String id = inbox(Tasks.task(T0, 1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<ExecutionContext> context = new AtomicReference<>();
        TaskExecutor blocking = (task, ctx) -> {
            context.set(ctx);
            started.countDown();
            release.await();
            return files(f -> null).execute(task, ctx);
        };
        try (Worker w = worker(blocking).executionExecutor(null)
                .config(WorkerConfig.builder().leaseRenewInterval(Duration.ofSeconds(10)).build()).build()) {
            w.pollOnce();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            TaskRef running = store.find(id).orElseThrow();
            Instant first = store.leaseRenewedAt(running).orElseThrow();

            time.advance(Duration.ofSeconds(20));
            w.pollOnce(); // no progress: the lease stays, so the leader can see a stall
            assertThat(store.leaseRenewedAt(running)).contains(first);

            context.get().progress(1, 0); // progress: renewed at once (interval passed)
            assertThat(store.leaseRenewedAt(running).orElseThrow()).isAfter(first);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.find(id).orElseThrow().state() == TaskState.DONE);
        }
    }

    @Test
    void anExecutorThatThrowsLeavesTheTaskInRunningForTheLeader() {
        String id = inbox(Tasks.task(T0, 1));
        Worker w = worker((t, ctx) -> {
            throw new IllegalStateException("bug");
        }).build();

        w.pollOnce();
        w.pollOnce(); // not resumed by this instance

        assertThat(store.find(id).orElseThrow().state()).isEqualTo(TaskState.RUNNING);
        assertThat(w.executing()).isEmpty();
    }

    /** Issue 17: one lifecycle idiom (io.migrate.internal.Lifecycle). */
    @Test
    void aSecondStartIsANoOpAndAStartAfterCloseFailsWithIllegalState() {
        Worker w = worker(files(f -> null)).build();
        w.start();
        w.start();
        w.close();
        w.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void ownedThreadsAreNamedAndStopOnClose() throws Exception {
        String id = inbox(Tasks.task(T0, 1));
        Set<String> threadNames = ConcurrentHashMap.newKeySet();
        CountDownLatch release = new CountDownLatch(1);
        Worker w = Worker.builder().node("n1").store(store).membership(membership)
                .config(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
                .taskExecutor((task, ctx) -> {
                    threadNames.add(Thread.currentThread().getName());
                    while (!ctx.isCancelled()) {
                        if (release.await(10, TimeUnit.MILLISECONDS)) {
                            break;
                        }
                    }
                    throw new MigrateException(ErrorCode.CANCELLED, "stopping");
                }).build();
        w.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !threadNames.isEmpty());
        assertThat(threadNames).allMatch(n -> n.startsWith("migrate-worker-exec-"));
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().startsWith("migrate-worker-"));

        w.close();
        w.close(); // idempotent

        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive() && threadNames.contains(t.getName()));
        // cancelled by shutdown: left in running/ for the next start
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(TaskState.RUNNING);
        try (Worker again = worker(files(f -> null)).build()) {
            again.pollOnce();
        }
        assertThat(store.find(id).orElseThrow().state()).isEqualTo(TaskState.DONE);
    }

    @Test
    void aNotificationWakesTheWorkerBeforeItsNextPoll() {
        WorkerConfig hourly = WorkerConfig.builder().pollInterval(Duration.ofHours(1)).build();
        try (Worker w = Worker.builder().node("n1").store(store).taskExecutor(files(f -> null)).config(hourly)
                .build()) {
            w.start(); // first poll at once, then not for an hour
            // a task added while that first poll runs may be claimed by it: add it once it ended
            await().atMost(Duration.ofSeconds(30)).until(() -> w.polls() >= 1);
            String id = inbox(Tasks.task(T0, 1));
            await().atMost(Duration.ofSeconds(2)).pollDelay(Duration.ofMillis(200))
                    .until(() -> store.find(id).orElseThrow().state() == TaskState.INBOX);

            w.wakeUp();

            await().atMost(Duration.ofSeconds(10)).until(() -> store.find(id).orElseThrow().state() == TaskState.DONE);
        }
    }

    @Test
    void rejectsAConfigurationOutOfRange() {
        assertThatThrownBy(() -> WorkerConfig.builder().concurrency(0).build())
                .hasMessageContaining("worker.concurrency").hasMessageContaining("[1, 1024]");
    }
}
