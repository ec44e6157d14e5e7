package io.migrate.result;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.dispatch.DispatchConfig;
import io.migrate.dispatch.FakeTime;
import io.migrate.dispatch.LeaderGate;
import io.migrate.dispatch.TaskReclaimer;
import io.migrate.dispatch.Tasks;
import io.migrate.dispatch.TestElection;
import io.migrate.dispatch.TestGates;
import io.migrate.dispatch.TestMembership;
import io.migrate.error.ErrorCode;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.worker.TaskExecutor;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a task reaches {@code failed/} (found by looking at every {@code TaskStore.fail} call:
 * worker, reclaimer, outbox) ends with exactly one published result for that task, and the task
 * in {@code archive/}. Each path is driven by the real component on a real task root.
 */
class EveryPathToFailedPublishesOneResultTest {
    private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

    @TempDir
    Path root;
    FakeTime time;
    DirectoryTaskStore store;
    TestMembership membership;
    final Queue<TaskResult> published = new ConcurrentLinkedQueue<>();
    final Queue<MigrationTask> publishedTasks = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void setUp() {
        time = new FakeTime(T0.plus(Duration.ofHours(1)));
        store = DirectoryTaskStore.builder().root(root).clock(time.clock()).syncDirectories(false).build();
        membership = new TestMembership();
        store.registerNode("n1");
        store.registerNode("n2");
        membership.setLive("n1", "n2");
    }

    /** Drains twice: the first pass publishes, the second must find nothing left. */
    private TaskResult theOnlyResultOf(String taskId) {
        ResultPublisher recording = (task, result) -> {
            published.add(result);
            if (task != null) {
                publishedTasks.add(task);
            }
        };
        try (ResultOutbox outbox = ResultOutbox.builder().store(store).publisher(recording).node("n1")
                .takeoverAfter(Duration.ZERO).build()) {
            outbox.drainOnce();
            outbox.drainOnce();
        }
        List<TaskResult> mine = published.stream().filter(r -> r.taskId().equals(taskId)).toList();
        assertThat(mine).as("results published for %s", taskId).hasSize(1);
        assertThat(store.count(TaskState.FAILED, null)).isZero();
        TaskRef ref = store.find(taskId).orElseThrow();
        assertThat(ref.state()).isEqualTo(TaskState.ARCHIVED);
        assertThat(store.result(ref)).contains(mine.get(0));
        return mine.get(0);
    }

    private static TaskExecutor failing(ErrorCode code) {
        return (task, ctx) -> {
            List<FileResult> out = new ArrayList<>();
            for (FileEntry f : task.files()) {
                out.add(new FileResult(f.sourcePath(), f.targetKey(), FileOutcome.FAILED, code, "test", 0, null,
                        Duration.ZERO, 1));
            }
            return new TaskResult(task.id(), task.attempt(), ctx.runId(), ctx.node(), null, null,
                    TaskResult.outcomeOf(out), null, null, out, null);
        };
    }

    private Worker worker(TaskExecutor executor, int maxAttempts) {
        return Worker.builder().node("n1").store(store).taskExecutor(executor).membership(membership)
                .config(WorkerConfig.builder().maxAttempts(maxAttempts).build())
                .clock(time.clock()).nanoTicker(time.ticker()).executionExecutor(Runnable::run).build();
    }

    private TaskReclaimer reclaimer(DispatchConfig config) {
        LeaderGate gate = TestGates.gate(new TestElection("leader", LeadershipState.LEADER), root, config, time.ticker());
        gate.start();
        return TaskReclaimer.builder().store(store).membership(membership).gate(gate).config(config)
                .clock(time.clock()).nanoTicker(time.ticker()).build();
    }

    private String inInbox(MigrationTask task, String node) {
        store.move(store.submit(task), TaskState.INBOX, node);
        return task.id();
    }

    private String handWritten(TaskState state, String node, String content) throws Exception {
        String id = TaskIds.newId(T0);
        Path dir = state.perNode() ? root.resolve("nodes").resolve(node).resolve(state.directoryName())
                : root.resolve(state.directoryName());
        Files.writeString(dir.resolve(id + ".json"), content);
        return id;
    }

    @Test
    void workerRejectsAnInvalidTask() throws Exception {
        MigrationTask task = Tasks.task(T0, 1);
        Path pending = store.pathOf(store.submit(task));
        String id = task.id();
        // Well-formed JSON that breaks a rule, written by hand (submit would refuse it).
        String json = Files.readString(pending).replace("\"source\":\"d/", "\"source\":\"../d/");
        Files.delete(pending);
        Files.writeString(root.resolve("nodes/n1/inbox").resolve(id + ".json"), json);

        worker((t, c) -> null, 5).pollOnce();

        TaskResult r = theOnlyResultOf(id);
        assertThat(r.outcome()).isEqualTo(TaskOutcome.REJECTED);
        assertThat(r.code()).isEqualTo(ErrorCode.PATH_TRAVERSAL);
        assertThat(r.isFinal()).isTrue();
    }

    @Test
    void workerRejectsAnUnreadableTaskFileWithTheIdFromItsNameAndTheRawReason() throws Exception {
        String id = handWritten(TaskState.INBOX, "n1", "this is { not json");

        worker((t, c) -> null, 5).pollOnce();

        TaskResult r = theOnlyResultOf(id);
        assertThat(r.resultId()).isEqualTo(id + "#1");
        assertThat(r.outcome()).isEqualTo(TaskOutcome.REJECTED);
        assertThat(r.code()).isEqualTo(ErrorCode.INVALID_JSON);
        assertThat(r.message()).isNotBlank();
        assertThat(publishedTasks).noneMatch(t -> t.id().equals(id)); // published with a null task
    }

    @Test
    void workerFailsATaskClaimedBeyondTheMaximumAttempts() {
        MigrationTask task = Tasks.task(T0, 2).toBuilder().attempt(4).build();
        String id = inInbox(task, "n1");

        worker((t, c) -> null, 3).pollOnce();

        TaskResult r = theOnlyResultOf(id);
        assertThat(r.outcome()).isEqualTo(TaskOutcome.FAILED);
        assertThat(r.code()).isEqualTo(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        assertThat(r.countsByCode()).containsEntry(ErrorCode.MAX_ATTEMPTS_EXCEEDED, 2L);
        assertThat(r.node()).isEqualTo("n1");
    }

    @Test
    void workerFailsTheRetryOfTheLastAttemptAndItsResultIsTheFinalOne() {
        MigrationTask task = Tasks.task(T0, 2).toBuilder().attempt(2).parentTaskId(TaskIds.newId(T0))
                .rootTaskId(TaskIds.newId(T0.minusSeconds(5))).build();
        String id = inInbox(task, "n1");

        worker(failing(ErrorCode.SOURCE_CHANGED), 2).pollOnce();

        // The attempt's own result (not final) and the retry's (final) are both published, once each.
        TaskResult attempt = theOnlyResultOf(id);
        assertThat(attempt.isFinal()).isFalse();
        TaskResult last = theOnlyResultOf(attempt.retryTaskId());
        assertThat(last.isFinal()).isTrue();
        assertThat(last.attempt()).isEqualTo(3);
        assertThat(last.outcome()).isEqualTo(TaskOutcome.FAILED);
        assertThat(last.code()).isEqualTo(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        assertThat(last.countsByCode()).containsExactly(java.util.Map.entry(ErrorCode.SOURCE_CHANGED, 2L));
        MigrationTask retry = publishedTasks.stream().filter(t -> t.id().equals(last.taskId())).findFirst().orElseThrow();
        assertThat(retry.parentTaskId()).contains(id);
        assertThat(retry.rootTaskId()).isEqualTo(task.rootTaskId());
    }

    @Test
    void reclaimerFailsAStalledTaskOnItsLastAttempt() {
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).maxAttempts(1).build();
        MigrationTask task = Tasks.task(T0, 1);
        store.move(store.submit(task), TaskState.RUNNING, "n1");
        TaskReclaimer r = reclaimer(config);
        r.runOnce();
        time.advance(Duration.ofMinutes(31));

        assertThat(r.runOnce().failed()).isEqualTo(1);

        TaskResult result = theOnlyResultOf(task.id());
        assertThat(result.outcome()).isEqualTo(TaskOutcome.FAILED);
        assertThat(result.code()).isEqualTo(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        assertThat(result.node()).isNull();
    }

    @Test
    void reclaimerFailsATaskReassignedTooOften() {
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).maxReassignments(1).build();
        String id = inInbox(Tasks.task(T0, 3), "n1");
        TaskReclaimer r = reclaimer(config);
        membership.setLive("n2");
        assertThat(r.runOnce().reclaimedDead()).isEqualTo(1);
        store.move(store.find(id).orElseThrow(), TaskState.INBOX, "n1");

        assertThat(r.runOnce().failed()).isEqualTo(1);

        TaskResult result = theOnlyResultOf(id);
        assertThat(result.outcome()).isEqualTo(TaskOutcome.FAILED);
        assertThat(result.code()).isEqualTo(ErrorCode.TOO_MANY_REASSIGNMENTS);
        assertThat(result.countsByCode()).containsExactly(java.util.Map.entry(ErrorCode.TOO_MANY_REASSIGNMENTS, 3L));
    }

    @Test
    void reclaimerFailsAnUnreadableTaskOfADeadNode() throws Exception {
        String id = handWritten(TaskState.INBOX, "n1", "{\"schemaVersion\":1");
        TaskReclaimer r = reclaimer(DispatchConfig.builder().reclaimGrace(Duration.ZERO).build());
        membership.setLive("n2");

        r.runOnce();

        TaskResult result = theOnlyResultOf(id);
        assertThat(result.outcome()).isEqualTo(TaskOutcome.REJECTED);
        assertThat(result.code()).isEqualTo(ErrorCode.INVALID_JSON);
    }

    @Test
    void outboxFailsATaskInDoneWithoutItsResultAndPublishesThat() throws Exception {
        MigrationTask task = FinishedTasks.finish(store, "n1", 1).get(0);
        TaskRef done = store.find(task.id()).orElseThrow();
        Files.writeString(store.pathOf(done), "truncated by hand");
        // Layout 2 keeps the result in a side file: without its result means that one gone too.
        FinishedTasks.deleteResultFiles(store.root(), task.id());

        TaskResult r = theOnlyResultOf(task.id());
        assertThat(r.outcome()).isEqualTo(TaskOutcome.REJECTED);
        assertThat(r.code()).isEqualTo(ErrorCode.INVALID_JSON);
        assertThat(r.message()).startsWith("unreadable task file in done/");
    }

    @Test
    void aFailedTaskFromAnOlderReleaseWithoutAResultRecordIsPublishedToo() throws Exception {
        String id = TaskIds.newId(T0);
        Files.writeString(root.resolve("failed").resolve(id + "~TOO_MANY_REASSIGNMENTS.json"), "{}");

        TaskResult r = theOnlyResultOf(id);
        assertThat(r.code()).isEqualTo(ErrorCode.TOO_MANY_REASSIGNMENTS);
        assertThat(r.resultId()).isEqualTo(id + "#1");
    }
}
