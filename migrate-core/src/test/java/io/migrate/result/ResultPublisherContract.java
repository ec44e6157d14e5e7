package io.migrate.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link ResultPublisher} (issue 17), what the {@code ResultOutbox} relies on: a
 * result that {@code publish} returned for is in the destination with its result id; publishing
 * the same result again (at-least-once delivery after a crash) is harmless; a REJECTED result
 * without a readable task is published too; publishers are thread-safe; {@code close()} is
 * idempotent and, where the publisher holds a connection, a publish after it fails with
 * {@code PUBLISH_FAILED}. Shipped in the {@code migrate-core} test-jar; a host with its own
 * publisher extends it (see {@code docs/contract-tests.md}).
 */
public abstract class ResultPublisherContract {
    private final List<ResultPublisher> opened = new ArrayList<>();

    /**
     * @return a publisher writing to a destination private to the current test (a fresh topic, a
     *     fresh logger)
     */
    protected abstract ResultPublisher newPublisher() throws Exception;

    /**
     * @return the result ids the destination holds now, one entry per stored record (duplicates
     *     allowed), read without the publisher
     */
    protected abstract List<String> publishedResultIds() throws Exception;

    /** @return whether a publish after {@code close()} fails ({@code PUBLISH_FAILED}); false for one that keeps nothing open */
    protected boolean refusesAfterClose() {
        return true;
    }

    /** @return how long a published result may take to be readable */
    protected Duration deadline() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    void closeAll() {
        opened.forEach(ResultPublisher::close);
    }

    private ResultPublisher publisher() throws Exception {
        ResultPublisher p = newPublisher();
        opened.add(p);
        return p;
    }

    static MigrationTask task(String name) {
        return MigrationTask.builder().sourceRoot("/src").addFile(name + "/a", "bucket/" + name + "/a")
                .addFile(name + "/b", "bucket/" + name + "/b").attribute("requestId", "req-" + name).build();
    }

    static TaskResult completed(MigrationTask task) {
        Instant at = Instant.parse("2026-11-29T05:00:00Z");
        return new TaskResult(task.id(), task.attempt(), "run-1", "node-a", at, at.plusSeconds(1),
                TaskOutcome.SUCCEEDED, null, null, List.of(), null);
    }

    private void awaitPublished(List<String> ids) {
        await().atMost(deadline()).untilAsserted(() -> assertThat(publishedResultIds()).containsAll(ids));
    }

    @Test
    void aPublishedResultIsInTheDestinationWithItsResultId() throws Exception {
        MigrationTask task = task("one");
        TaskResult result = completed(task);
        publisher().publish(task, result);
        awaitPublished(List.of(result.resultId()));
    }

    @Test
    void publishingTheSameResultAgainIsHarmless() throws Exception {
        ResultPublisher p = publisher();
        MigrationTask task = task("again");
        TaskResult result = completed(task);
        p.publish(task, result);
        p.publish(task, result);
        awaitPublished(List.of(result.resultId()));
        assertThat(publishedResultIds()).allMatch(id -> id.equals(result.resultId()));
    }

    @Test
    void aRejectedResultWithoutAReadableTaskIsPublished() throws Exception {
        TaskResult rejected = TaskResult.ended("20261129T050000Z-unreadable", 1, List.of(), null,
                Instant.parse("2026-11-29T05:00:00Z"), TaskOutcome.REJECTED, ErrorCode.INVALID_JSON, "not JSON");
        publisher().publish(null, rejected);
        awaitPublished(List.of(rejected.resultId()));
    }

    @Test
    void publishersAreThreadSafe() throws Exception {
        ResultPublisher p = publisher();
        int threads = 4;
        int each = 10;
        List<String> ids = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<MigrationTask> tasks = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    MigrationTask task = task("t" + t + "-" + i);
                    tasks.add(task);
                    ids.add(completed(task).resultId());
                }
                done.add(pool.submit(() -> tasks.forEach(task -> p.publish(task, completed(task)))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        awaitPublished(ids);
    }

    @Test
    void closeIsIdempotentAndAPublishAfterItFails() throws Exception {
        ResultPublisher p = publisher();
        p.close();
        p.close();
        MigrationTask task = task("late");
        if (refusesAfterClose()) {
            assertThatThrownBy(() -> p.publish(task, completed(task))).isInstanceOf(MigrateException.class)
                    .satisfies(e -> assertThat(((MigrateException) e).code()).isEqualTo(ErrorCode.PUBLISH_FAILED));
        }
    }
}
