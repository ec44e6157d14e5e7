package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #21: on CephFS (and NFS) {@code O_APPEND} is not atomic across clients: a client computes
 * the append offset from the size it cached when it opened the file, so a zombie that opened a task
 * file, stalled, and wrote later lands on top of what other hosts appended since. The previous
 * layout appended reclaim events and results to the task file, so such a write destroyed the new
 * owner's committed result. Here the zombie's late write goes through a second file descriptor at
 * the stale size, which is exactly what the CephFS client does, on any filesystem.
 *
 * <p>Both tests use only the store's API and fail on {@code a4981fa}; they pass since task files
 * are immutable and results and events are side files.
 */
class CrossClientAppendTest {
    @TempDir
    Path root;

    private DirectoryTaskStore store;
    private final TaskFileCodec codec = new TaskFileCodec(TaskValidator.defaults());

    @BeforeEach
    void setUp() {
        store = DirectoryTaskStore.builder().root(root).build();
        store.registerNode("a");
        store.registerNode("b");
    }

    @Test
    void aZombiesWriteAtItsStaleSizeCannotDestroyTheNewOwnersResult() throws IOException {
        MigrationTask task = TestTasks.task(2);
        TaskRef onA = claim(store.submit(task), "a");
        // Node a opens the task file to record its result (as the previous layout's complete() did)
        // and stalls: its client caches the size it sees now.
        try (FileChannel zombie = FileChannel.open(store.pathOf(onA), StandardOpenOption.WRITE)) {
            long staleSize = zombie.size();

            // The leader takes the task back; node b runs it and commits its result.
            TaskEvent reclaimed = new TaskEvent(Instant.now(), 4, TaskEvent.Type.RECLAIMED_STALLED, "a", null, "lease");
            assertThat(store.move(onA, TaskState.PENDING, null, reclaimed)).isEqualTo(MoveOutcome.MOVED);
            TaskRef onB = claim(store.find(task.id()).orElseThrow(), "b");
            TaskResult committed = TestTasks.result(task, "run-b", "b");
            assertThat(store.complete(onB, committed)).isEqualTo(MoveOutcome.MOVED);

            // a wakes up and writes its record where it believes the end of the file is.
            ByteBuffer record = ByteBuffer.wrap(codec.encodeResult(TestTasks.result(task, "run-a", "a")));
            while (record.hasRemaining()) {
                zombie.write(record, staleSize + record.position());
            }
        }

        StoredTask done = store.read(store.find(task.id()).orElseThrow()).orElseThrow();
        assertThat(done.ref().state()).isEqualTo(TaskState.DONE);
        assertThat(done.result()).as("the committed result survives the zombie's write")
                .hasValueSatisfying(r -> assertThat(r.runId()).isEqualTo("run-b"));
        assertThat(done.count(TaskEvent.Type.RECLAIMED_STALLED)).as("and so does the history").isEqualTo(1);
    }

    @Test
    void noFileOfTheTaskRootIsEverWrittenAgainOnceCreated() throws IOException {
        Map<Object, byte[]> seen = new HashMap<>();
        MigrationTask ok = TestTasks.task(1);
        MigrationTask bad = TestTasks.task(1);
        TaskRef okA = claim(store.submit(ok), "a");
        TaskRef badB = claim(store.submit(bad), "b");
        assertUnchanged(seen);
        store.touchLease(okA);
        store.move(okA, TaskState.PENDING, null, new TaskEvent(Instant.now(), 1, TaskEvent.Type.RECLAIMED_DEAD_NODE,
                "a", null, "a dead"));
        assertUnchanged(seen);
        TaskRef okB = claim(store.find(ok.id()).orElseThrow(), "b");
        assertThat(store.complete(okB, TestTasks.result(ok, "run-ok", "b"))).isEqualTo(MoveOutcome.MOVED);
        assertUnchanged(seen);
        assertThat(store.fail(badB, ErrorCode.SOURCE_UNREADABLE, "gone", TestTasks.result(bad, "run-bad", "b")))
                .isEqualTo(MoveOutcome.MOVED);
        assertUnchanged(seen);
        assertThat(store.move(store.find(ok.id()).orElseThrow(), TaskState.ARCHIVED, null)).isEqualTo(MoveOutcome.MOVED);
        assertUnchanged(seen);
        assertThat(store.read(store.find(ok.id()).orElseThrow()).orElseThrow().result()).isPresent();
        assertThat(store.read(store.find(bad.id()).orElseThrow()).orElseThrow().result()).isPresent();
    }

    /** Every regular file keeps the bytes it had when first seen (files are known by inode). */
    private void assertUnchanged(Map<Object, byte[]> seen) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                Object inode = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                byte[] now = Files.readAllBytes(p);
                byte[] before = seen.putIfAbsent(inode, now);
                if (before != null) {
                    assertThat(Arrays.equals(before, now)).as("%s was written to after it was created", p).isTrue();
                }
            }
        }
    }

    private TaskRef claim(TaskRef pending, String node) {
        assertThat(store.move(pending, TaskState.INBOX, node)).isEqualTo(MoveOutcome.MOVED);
        TaskRef inbox = new TaskRef(pending.taskId(), TaskState.INBOX, node, pending.fileName());
        assertThat(store.move(inbox, TaskState.RUNNING, node)).isEqualTo(MoveOutcome.MOVED);
        return new TaskRef(pending.taskId(), TaskState.RUNNING, node, pending.fileName());
    }
}
