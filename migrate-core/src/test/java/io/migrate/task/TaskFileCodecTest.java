package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskFileCodecTest {
    private final TaskFileCodec codec = new TaskFileCodec(TaskValidator.defaults());

    @Test
    void taskEventsAndResultsRoundTripWithNullsAndDurations() {
        MigrationTask task = TestTasks.task(2).toBuilder().attribute("batch", "b\"7\n").build();
        TaskEvent event = new TaskEvent(Instant.parse("2026-11-25T08:00:01.123456Z"), 3, TaskEvent.Type.RECLAIMED_STALLED,
                "a", null, "lease 31 min old");
        TaskResult result = new TaskResult(task.id(), 1, "run-1", "a", Instant.EPOCH, Instant.EPOCH.plusMillis(1500),
                TaskOutcome.PARTIALLY_FAILED, null, null,
                List.of(new FileResult("dir/file-0.dat", "bucket/key-0", FileOutcome.FAILED, ErrorCode.SOURCE_CHANGED,
                                "mtime changed", 10, null, Duration.ofMillis(250), 3),
                        new FileResult("dir/file-1.dat", "bucket/key-1", FileOutcome.COPIED, null, null, 20,
                                "crc32c:00000001", Duration.ofNanos(1), 1)),
                "20261125T090000000Z-0123456789ab");
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(codec.encodeTask(task));
        file.writeBytes(codec.encodeEvent(event));
        file.writeBytes(codec.encodeResult(result));

        TaskFileCodec.Decoded d = codec.decode(file.toByteArray());

        assertThat(d.task()).isEqualTo(task);
        assertThat(d.history()).containsExactly(event);
        assertThat(d.results()).containsExactly(result);
        String text = file.toString(StandardCharsets.UTF_8);
        assertThat(text.lines().filter(l -> !l.isEmpty())).hasSize(3);
        assertThat(text).contains("{\"record\":\"event\",").contains("{\"record\":\"result\",\"taskId\"");
    }

    @Test
    void endOfObjectIgnoresBracesInsideStringsAndEscapedQuotes() {
        byte[] b = "{\"a\":\"}\\\"{\",\"b\":[{}]} tail".getBytes(StandardCharsets.UTF_8);
        assertThat(TaskFileCodec.endOfObject(b, 0)).isEqualTo(b.length - 5);
        assertThat(TaskFileCodec.endOfObject("{\"a\":1".getBytes(StandardCharsets.UTF_8), 0)).isEqualTo(-1);
    }

    /** docs/task-root.md: a UTF-8 byte order mark is ignored; UTF-16 is not JSON (issue 20). */
    @Test
    void aUtf8ByteOrderMarkIsIgnoredAndUtf16IsInvalidJson() {
        MigrationTask task = TestTasks.task(1);
        ByteArrayOutputStream withBom = new ByteArrayOutputStream();
        withBom.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        withBom.writeBytes(codec.encodeTask(task));
        assertThat(codec.decode(withBom.toByteArray()).task()).isEqualTo(task);

        String json = new String(codec.encodeTask(task), StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_16)))
                .isInstanceOfSatisfying(InvalidTaskException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_JSON));
    }
}
