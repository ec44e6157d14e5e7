package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskStatusViewTest {
    @TempDir
    Path root;

    @Test
    void reportsStateByIdCountsPerStateAndNodeAndLeaseAges() {
        DirectoryTaskStoreTest.MutableClock clock = new DirectoryTaskStoreTest.MutableClock(Instant.parse("2026-11-25T08:00:00Z"));
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).clock(clock).build();
        store.registerNode("a");
        store.registerNode("b");
        TaskStatusView view = TaskStatusView.of(store, clock);
        TaskRef pending = store.submit(TestTasks.task(1));
        TaskRef inboxB = store.submit(TestTasks.task(1));
        store.move(inboxB, TaskState.INBOX, "b");
        TaskRef running = store.submit(TestTasks.task(1));
        store.move(running, TaskState.INBOX, "a");
        store.move(new TaskRef(running.taskId(), TaskState.INBOX, "a", running.fileName()), TaskState.RUNNING, "a");
        TaskRef failed = store.submit(TestTasks.task(1));
        store.fail(failed, ErrorCode.TOO_MANY_REASSIGNMENTS, "moved 6 times", null);
        clock.advance(Duration.ofSeconds(90));

        assertThat(view.status(pending.taskId()).orElseThrow().state()).isEqualTo(TaskState.PENDING);
        TaskStatusView.TaskStatus r = view.status(running.taskId()).orElseThrow();
        assertThat(r.state()).isEqualTo(TaskState.RUNNING);
        assertThat(r.node()).isEqualTo("a");
        assertThat(r.leaseAge()).contains(Duration.ofSeconds(90));
        assertThat(r.attempt()).isEqualTo(1);
        assertThat(r.outcome()).isEmpty();
        assertThat(r.toString()).contains("RUNNING on a", "attempt 1", "lease age 90000 ms").doesNotContain("outcome");
        TaskStatusView.TaskStatus f = view.status(failed.taskId()).orElseThrow();
        assertThat(f.failureCode()).contains(ErrorCode.TOO_MANY_REASSIGNMENTS);
        // Once ended: the outcome and the failed files by code (the status CLI prints this line).
        assertThat(f.outcome()).contains(io.migrate.task.TaskOutcome.FAILED);
        assertThat(f.countsByCode()).containsExactly(java.util.Map.entry(ErrorCode.TOO_MANY_REASSIGNMENTS, 1L));
        assertThat(f.toString()).contains("FAILED", "attempt 1", "outcome FAILED TOO_MANY_REASSIGNMENTS",
                "by code {TOO_MANY_REASSIGNMENTS=1}", "final");
        assertThat(view.status("20261125T080000000Z-000000000000")).isEmpty();

        TaskStatusView.Snapshot s = view.snapshot();
        assertThat(s.count(TaskState.PENDING)).isEqualTo(1);
        assertThat(s.count(TaskState.INBOX)).isEqualTo(1);
        assertThat(s.count(TaskState.RUNNING)).isEqualTo(1);
        assertThat(s.count(TaskState.FAILED)).isEqualTo(1);
        assertThat(s.count(TaskState.DONE)).isZero();
        assertThat(s.nodes().keySet()).containsExactly("a", "b");
        assertThat(s.nodes().get("a").running()).isEqualTo(1);
        assertThat(s.nodes().get("a").oldestLeaseAge()).contains(Duration.ofSeconds(90));
        assertThat(s.nodes().get("b").inbox()).isEqualTo(1);
        assertThat(s.nodes().get("b").oldestLeaseAge()).isEmpty();
    }
}
