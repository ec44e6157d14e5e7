package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void aFreshStoreCountsFromThePersistedBucketCountsAndRelistsOnlyChangedBuckets() throws Exception {
        DirectoryTaskStore first = DirectoryTaskStore.builder().root(root).build();
        List<TaskRef> refs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            refs.add(first.submit(TestTasks.task(1)));
        }
        Path bucket = first.pathOf(refs.get(0)).getParent();
        ForeignEntriesTest.settle(bucket); // a count is kept only once its bucket's mtime is two seconds old
        assertThat(TaskStatusView.of(first).snapshot().count(TaskState.PENDING)).isEqualTo(5);
        Path persisted = root.resolve("counts/pending").resolve(bucket.getParent().getFileName());
        assertThat(persisted).isRegularFile();

        // A new process trusts a persisted count whose bucket mtime is unchanged, without listing
        // the bucket: shown by a count file edited to say 7.
        String text = Files.readString(persisted);
        Files.writeString(persisted, text.replace(" 5 ", " 7 "));
        assertThat(TaskStatusView.of(DirectoryTaskStore.builder().root(root).build()).snapshot()
                .count(TaskState.PENDING)).isEqualTo(7);

        // A bucket that changed since is listed again: the count is exact.
        Files.writeString(persisted, text);
        first.submit(MigrationTask.builder().id(refs.get(0).taskId().substring(0, 19) + "-aaaaaaaaaaaa")
                .sourceRoot("/src").addFile("a", "a").build());
        assertThat(TaskStatusView.of(DirectoryTaskStore.builder().root(root).build()).snapshot()
                .count(TaskState.PENDING)).isEqualTo(6);
    }

    @Test
    void theLeadersSweepLeavesCountsForTheNextProcess() throws Exception {
        DirectoryTaskStore leader = DirectoryTaskStore.builder().root(root).build();
        TaskRef ref = leader.submit(TestTasks.task(1));
        Path bucket = leader.pathOf(ref).getParent();
        ForeignEntriesTest.settle(bucket);
        leader.quarantineForeign();
        Path persisted = root.resolve("counts/pending").resolve(bucket.getParent().getFileName());
        assertThat(Files.readString(persisted)).startsWith(bucket.getFileName() + " ").contains(" 1 ");
        assertThat(TaskStatusView.of(DirectoryTaskStore.builder().root(root).build()).snapshot()
                .count(TaskState.PENDING)).isEqualTo(1);
    }
}
