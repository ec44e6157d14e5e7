package io.migrate.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ResultOutbox} on a real task root ({@link DirectoryTaskStore} on a temp directory). */
class ResultOutboxTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path root;
    TaskStore store;

    @BeforeEach
    void createStore() {
        store = DirectoryTaskStore.builder().root(root).syncDirectories(false).build();
    }

    /** Records every publication; fails the first {@code failures} calls. Thread-safe. */
    static final class RecordingPublisher implements ResultPublisher {
        final Queue<String> published = new ConcurrentLinkedQueue<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger failuresLeft;

        RecordingPublisher(int failures) {
            failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public void publish(MigrationTask task, TaskResult result) {
            calls.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                throw new MigrateException(ErrorCode.PUBLISH_FAILED, "broker down (test)");
            }
            published.add(result.resultId());
        }
    }

    private ResultOutbox.Builder outbox(ResultPublisher publisher) {
        return ResultOutbox.builder().store(store).publisher(publisher).node("node-a")
                .pollInterval(Duration.ofMillis(100))
                .initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(400));
    }

    private long count(TaskState state) {
        return store.count(state, null);
    }

    private static Set<String> resultIds(List<MigrationTask> tasks) {
        return tasks.stream().map(MigrationTask::resultId).collect(Collectors.toSet());
    }

    @Test
    void drainsDoneIntoArchiveWithTheLoggingPublisherAlone() {
        FinishedTasks.finish(store, "node-a", 6);
        try (ResultOutbox outbox = outbox(new LoggingResultPublisher()).build()) {
            outbox.start();
            await().atMost(DEADLINE).until(() -> count(TaskState.ARCHIVED) == 6);
            assertThat(count(TaskState.DONE)).isZero();
            assertThat(outbox.stats().published()).isEqualTo(6);
            assertThat(outbox.stats().publishFailures()).isZero();
        }
    }

    @Test
    void failedPublicationLeavesTheTaskInDoneUntilARetrySucceeds() {
        List<MigrationTask> tasks = FinishedTasks.finish(store, "node-a", 3);
        RecordingPublisher publisher = new RecordingPublisher(4);
        try (ResultOutbox outbox = outbox(publisher).build()) {
            assertThat(outbox.drainOnce()).isZero();
            assertThat(count(TaskState.DONE)).isEqualTo(3);
            assertThat(count(TaskState.ARCHIVED)).isZero();
            // A failed publication ends the pass: the other tasks were not tried against a dead broker.
            assertThat(publisher.calls.get()).isEqualTo(1);

            outbox.start();
            await().atMost(DEADLINE).until(() -> count(TaskState.ARCHIVED) == 3);
            assertThat(outbox.stats().publishFailures()).isEqualTo(4);
            assertThat(outbox.stats().published()).isEqualTo(3);
        }
        assertThat(new HashSet<>(publisher.published)).isEqualTo(resultIds(tasks));
        assertThat(publisher.published).hasSize(3);
    }

    @Test
    void failedTasksWaitInFailedThroughAPublisherOutageAndEachIsPublished() throws Exception {
        List<MigrationTask> finished = FinishedTasks.finish(store, "node-a", 2);
        Set<String> expected = new HashSet<>(resultIds(finished));
        for (int i = 0; i < 3; i++) {
            MigrationTask t = MigrationTask.builder().sourceRoot("/src").addFile("f" + i, "k" + i).build();
            store.fail(store.submit(t), ErrorCode.TOO_MANY_REASSIGNMENTS, "test", null);
            expected.add(t.resultId());
        }
        String unreadable = io.migrate.task.TaskIds.newId(java.time.Instant.now());
        Files.writeString(root.resolve("pending").resolve(unreadable + ".json"), "garbage");
        store.fail(store.find(unreadable).orElseThrow(), ErrorCode.INVALID_JSON, "garbage", null);
        expected.add(unreadable + "#1");
        RecordingPublisher publisher = new RecordingPublisher(5);
        try (ResultOutbox outbox = outbox(publisher).build()) {
            assertThat(outbox.drainOnce()).isZero();
            assertThat(count(TaskState.FAILED)).isEqualTo(4); // an outage moves nothing out of failed/

            outbox.start();
            await().atMost(DEADLINE).until(() -> count(TaskState.ARCHIVED) == 6);
            assertThat(count(TaskState.FAILED)).isZero();
            assertThat(outbox.stats().publishFailures()).isEqualTo(5);
        }
        assertThat(new HashSet<>(publisher.published)).isEqualTo(expected);
        assertThat(publisher.published).hasSize(6);
    }

    @Test
    void aNewOutboxDrainsWhatAStoppedOneLeftInDone() {
        List<MigrationTask> tasks = FinishedTasks.finish(store, "node-a", 4);
        RecordingPublisher down = new RecordingPublisher(Integer.MAX_VALUE);
        try (ResultOutbox first = outbox(down).build()) {
            first.start();
            await().atMost(DEADLINE).until(() -> first.stats().publishFailures() >= 2);
        }
        assertThat(count(TaskState.DONE)).isEqualTo(4);

        RecordingPublisher up = new RecordingPublisher(0);
        try (ResultOutbox second = outbox(up).build()) {
            second.start();
            await().atMost(DEADLINE).until(() -> count(TaskState.ARCHIVED) == 4);
        }
        assertThat(new HashSet<>(up.published)).isEqualTo(resultIds(tasks));
    }

    @Test
    void twoOutboxesOnOneTaskRootArchiveEachTaskOnceAndPublishEveryResult() {
        List<MigrationTask> tasks = FinishedTasks.finish(store, "node-a", 60);
        RecordingPublisher p1 = new RecordingPublisher(0);
        RecordingPublisher p2 = new RecordingPublisher(0);
        TaskStore otherNodesView = DirectoryTaskStore.builder().root(root).syncDirectories(false).build();
        try (ResultOutbox o1 = outbox(p1).build();
                ResultOutbox o2 = ResultOutbox.builder().store(otherNodesView).publisher(p2).node("node-b")
                        .takeoverAfter(Duration.ZERO) // race for every task, as outboxes without owners would
                        .pollInterval(Duration.ofMillis(100)).build()) {
            o1.start();
            o2.start();
            await().atMost(DEADLINE).until(() -> count(TaskState.ARCHIVED) == 60);
            assertThat(count(TaskState.DONE)).isZero();
            // The archive rename decides: each task is archived by exactly one outbox.
            assertThat(o1.stats().published() + o2.stats().published()).isEqualTo(60);
            Set<String> all = new HashSet<>(p1.published);
            all.addAll(p2.published);
            assertThat(all).isEqualTo(resultIds(tasks));
            // Every duplicate publication shows up as a lost race of the outbox that lost.
            int duplicates = p1.published.size() + p2.published.size() - 60;
            assertThat(o1.stats().lostRaces() + o2.stats().lostRaces()).isGreaterThanOrEqualTo(duplicates);
        }
    }

    @Test
    void anotherNodesResultIsLeftToItsOwnerUntilTheTakeoverTime() {
        FinishedTasks.finish(store, "node-a", 3);
        RecordingPublisher stranger = new RecordingPublisher(0);
        try (ResultOutbox other = ResultOutbox.builder().store(store).publisher(stranger).node("node-b")
                .takeoverAfter(Duration.ofHours(1)).build()) {
            assertThat(other.drainOnce()).isZero();
            assertThat(other.drainOnce()).isZero();
            assertThat(stranger.calls.get()).isZero();
            assertThat(count(TaskState.DONE)).isEqualTo(3);
        }
        RecordingPublisher owner = new RecordingPublisher(0);
        try (ResultOutbox own = outbox(owner).build()) {
            assertThat(own.drainOnce()).isEqualTo(3);
        }
    }

    @Test
    void aDeadOwnersResultsAreTakenOverAfterTheTakeoverTime() {
        List<MigrationTask> tasks = FinishedTasks.finish(store, "node-a", 4);
        RecordingPublisher survivor = new RecordingPublisher(0);
        try (ResultOutbox other = ResultOutbox.builder().store(store).publisher(survivor).node("node-b")
                .pollInterval(Duration.ofMillis(50)).takeoverAfter(Duration.ofMillis(300)).build()) {
            assertThat(other.drainOnce()).isZero();
            other.start();
            await().atMost(DEADLINE).until(() -> count(TaskState.ARCHIVED) == 4);
        }
        assertThat(new HashSet<>(survivor.published)).isEqualTo(resultIds(tasks));
    }

    @Test
    void unreadableTaskInDoneGoesToFailedWithoutBlockingTheOthers() throws Exception {
        FinishedTasks.finish(store, "node-a", 3);
        TaskRef first;
        try (var done = store.list(TaskState.DONE)) {
            first = done.findFirst().orElseThrow();
        }
        Files.writeString(((DirectoryTaskStore) store).pathOf(first), "not json at all");
        // Layout 2 keeps the result in a side file, which a damaged task file does not touch:
        // damage that too, so that the task in done/ has no readable result.
        FinishedTasks.deleteResultFiles(((DirectoryTaskStore) store).root(), first.taskId());
        RecordingPublisher publisher = new RecordingPublisher(0);
        try (ResultOutbox outbox = outbox(publisher).build()) {
            assertThat(outbox.drainOnce()).isEqualTo(2);
            assertThat(outbox.stats().rejected()).isEqualTo(1);
        }
        assertThat(count(TaskState.FAILED)).isEqualTo(1);
        assertThat(count(TaskState.DONE)).isZero();
        assertThat(publisher.published).hasSize(2).doesNotContain(first.taskId() + "#1");
        // ... and its REJECTED result goes out on the next pass, like any failed task's.
        try (ResultOutbox outbox = outbox(publisher).build()) {
            assertThat(outbox.drainOnce()).isEqualTo(1);
        }
        assertThat(publisher.published).hasSize(3).contains(first.taskId() + "#1");
        assertThat(count(TaskState.FAILED)).isZero();
    }

    @Test
    void purgesArchivedTasksAfterTheRetention() {
        FinishedTasks.finish(store, "node-a", 3);
        try (ResultOutbox outbox = outbox(new LoggingResultPublisher())
                .archiveRetention(Duration.ofMillis(1)).purgeInterval(Duration.ofMillis(50)).build()) {
            outbox.start();
            await().atMost(DEADLINE).until(() -> outbox.stats().purged() == 3);
            assertThat(outbox.stats().published()).isEqualTo(3);
        }
        assertThat(count(TaskState.ARCHIVED)).isZero();
        assertThat(count(TaskState.DONE)).isZero();
    }

    @Test
    void closeStopsTheNamedThreadAndIsIdempotent() {
        ResultOutbox outbox = outbox(new LoggingResultPublisher()).build();
        outbox.start();
        await().atMost(DEADLINE).until(() -> outboxThreads().size() == 1);
        assertThat(outboxThreads().iterator().next()).matches("migrate-outbox-\\d+");
        outbox.close();
        outbox.close();
        assertThat(outboxThreads()).isEmpty();
        assertThatThrownBy(outbox::start).isInstanceOf(IllegalStateException.class);
    }

    private static Set<String> outboxThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("migrate-outbox-")).collect(Collectors.toSet());
    }

    @Test
    void builderNamesTheInvalidSetting() {
        assertThatThrownBy(() -> ResultOutbox.builder().publisher(new LoggingResultPublisher()).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("store");
        assertThatThrownBy(() -> outbox(new LoggingResultPublisher()).initialBackoff(Duration.ofSeconds(5))
                .maxBackoff(Duration.ofSeconds(1)).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> outbox(new LoggingResultPublisher()).pollInterval(Duration.ZERO).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("pollInterval");
    }
}
