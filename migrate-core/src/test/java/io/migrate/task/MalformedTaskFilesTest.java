package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each malformed task file ends in {@code failed/} with a coded reason, while a good task next to
 * it is still served. The "serving" loop is what a dispatcher does: list, read, move; a read
 * that throws {@link InvalidTaskException} sends the file to failed/ with the exception's code.
 */
class MalformedTaskFilesTest {
    private static final String ID = "20261125T080000000Z-0123456789ab";
    private static final String HEAD = "{\"schemaVersion\":1,\"id\":\"" + ID + "\",\"createdAt\":\"2026-11-25T08:00:00Z\","
            + "\"attempt\":1,\"sourceRoot\":\"/src\",";

    @TempDir
    Path root;

    /** A malformed file: its name in pending/, its bytes, the code and field expected. */
    record Case(String name, String fileName, byte[] content, ErrorCode code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        List<Case> c = new ArrayList<>();
        c.add(text("not JSON at all", "hello, I am not a task", ErrorCode.INVALID_JSON, null));
        c.add(text("empty file", "", ErrorCode.INVALID_JSON, null));
        c.add(text("truncated JSON", HEAD + "\"files\":[{\"source\":\"a\",", ErrorCode.INVALID_JSON, null));
        c.add(text("JSON array instead of object", "[1,2,3]", ErrorCode.INVALID_JSON, null));
        c.add(text("broken JSON syntax", HEAD + "\"files\":[{\"source\":\"a\" \"target\":\"b\"}]}", ErrorCode.INVALID_JSON, null));
        c.add(text("duplicate JSON key", HEAD + "\"id\":\"x\",\"files\":[{\"source\":\"a\",\"target\":\"b\"}]}",
                ErrorCode.INVALID_JSON, null));
        c.add(text("attempt is a string", HEAD.replace("\"attempt\":1", "\"attempt\":\"one\"") + files("a"),
                ErrorCode.INVALID_FIELD, "attempt"));
        c.add(text("files is an object", HEAD + "\"files\":{\"source\":\"a\"}}", ErrorCode.INVALID_FIELD, "files"));
        c.add(text("file entry is a string", HEAD + "\"files\":[\"a\"]}", ErrorCode.INVALID_FIELD, "files[0]"));
        c.add(text("target is a number", HEAD + "\"files\":[{\"source\":\"a\",\"target\":7}]}", ErrorCode.INVALID_FIELD,
                "files[0].target"));
        c.add(text("createdAt not a date", HEAD.replace("2026-11-25T08:00:00Z", "yesterday") + files("a"),
                ErrorCode.INVALID_FIELD, "createdAt"));
        c.add(text("attribute value not a string", HEAD + "\"attributes\":{\"batch\":5}," + files("a"),
                ErrorCode.INVALID_FIELD, "attributes.batch"));
        c.add(text("missing id", HEAD.replace("\"id\":\"" + ID + "\",", "") + files("a"), ErrorCode.MISSING_FIELD, "id"));
        c.add(text("missing files", HEAD.substring(0, HEAD.length() - 1) + "}", ErrorCode.MISSING_FIELD, "files"));
        c.add(text("missing source", HEAD + "\"files\":[{\"target\":\"b\"}]}", ErrorCode.MISSING_FIELD, "files[0].source"));
        c.add(text("unsupported schema version", HEAD.replace("\"schemaVersion\":1", "\"schemaVersion\":99") + files("a"),
                ErrorCode.UNSUPPORTED_SCHEMA_VERSION, "schemaVersion"));
        c.add(text("bad id format", HEAD.replace(ID, "task-1") + files("a"), ErrorCode.INVALID_FIELD, "id"));
        c.add(text("id does not match file name", HEAD.replace(ID, "20261125T080000000Z-ffffffffffff") + files("a"),
                ErrorCode.INVALID_FIELD, "id"));
        // A file name that is not a task id is not a task file at all: never listed, moved to
        // rejected/ by the leader (ForeignEntriesTest).
        c.add(text("attempt zero", HEAD.replace("\"attempt\":1", "\"attempt\":0") + files("a"), ErrorCode.INVALID_FIELD,
                "attempt"));
        c.add(text("no files", HEAD + "\"files\":[]}", ErrorCode.INVALID_FIELD, "files"));
        String[] many = new String[501];
        for (int i = 0; i < many.length; i++) {
            many[i] = "f" + i;
        }
        c.add(text("501 files", HEAD + files(many), ErrorCode.TOO_MANY_FILES, "files"));
        c.add(text("path traversal", HEAD + files("a/../../etc/passwd"), ErrorCode.PATH_TRAVERSAL, "files[0].source"));
        c.add(text("absolute path", HEAD + files("/etc/passwd"), ErrorCode.ABSOLUTE_PATH, "files[0].source"));
        c.add(text("empty path segment", HEAD + files("a//b"), ErrorCode.EMPTY_NAME, "files[0].source"));
        c.add(text("empty source", HEAD + files(""), ErrorCode.EMPTY_NAME, "files[0].source"));
        c.add(text("NUL in name", HEAD + files("a\\u0000b"), ErrorCode.ILLEGAL_CHARACTER, "files[0].source"));
        c.add(text("newline in name", HEAD + files("a\\nb"), ErrorCode.ILLEGAL_CHARACTER, "files[0].source"));
        c.add(text("unpaired surrogate", HEAD + files("a\\ud800b"), ErrorCode.INVALID_ENCODING, "files[0].source"));
        c.add(text("target key with leading slash", HEAD + "\"files\":[{\"source\":\"a\",\"target\":\"/k\"}]}",
                ErrorCode.INVALID_TARGET_KEY, "files[0].target"));
        c.add(text("target key over 1024 bytes", HEAD + "\"files\":[{\"source\":\"a\",\"target\":\"" + "é".repeat(513) + "\"}]}",
                ErrorCode.INVALID_TARGET_KEY, "files[0].target"));
        c.add(text("duplicate source", HEAD + "\"files\":[{\"source\":\"a\",\"target\":\"x\"},{\"source\":\"a\",\"target\":\"y\"}]}",
                ErrorCode.DUPLICATE_ENTRY, "files[1].source"));
        c.add(text("duplicate target", HEAD + "\"files\":[{\"source\":\"a\",\"target\":\"x\"},{\"source\":\"b\",\"target\":\"x\"}]}",
                ErrorCode.DUPLICATE_ENTRY, "files[1].target"));
        c.add(text("relative source root", HEAD.replace("\"/src\"", "\"src\"") + files("a"), ErrorCode.INVALID_FIELD,
                "sourceRoot"));
        ByteArrayOutputStream nonUtf8 = new ByteArrayOutputStream();
        nonUtf8.writeBytes(bytes(HEAD + "\"files\":[{\"source\":\"caf"));
        nonUtf8.write(0xE9); // Latin-1 é: not UTF-8
        nonUtf8.writeBytes(bytes("\",\"target\":\"k\"}]}"));
        c.add(new Case("non-UTF-8 name", ID + ".json", nonUtf8.toByteArray(), ErrorCode.INVALID_ENCODING, null));
        // Content is a valid task; the size alone rejects it (the file is made sparse below).
        c.add(new Case("huge file", ID + ".json", bytes(HEAD + files("a")), ErrorCode.TASK_FILE_TOO_LARGE, null));
        return c.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedFileEndsInFailedWithItsCodeWhileAGoodTaskIsServed(Case c) throws IOException {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        store.registerNode("n1");
        MigrationTask good = TestTasks.task(2).toBuilder().id(TaskIds.newId(Instant.parse("2026-11-25T09:00:00Z"))).build();
        store.submit(good);
        Path bad = root.resolve("pending").resolve(c.fileName());
        Files.write(bad, c.content());
        if (c.code() == ErrorCode.TASK_FILE_TOO_LARGE) {
            try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
                f.setLength(TaskValidator.DEFAULT_MAX_TASK_FILE_BYTES + 1);
            }
        }

        List<InvalidTaskException> rejections = serveOnce(store);

        assertThat(rejections).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(c.code());
            assertThat(e.field()).isEqualTo(c.field());
        });
        String stem = c.fileName().substring(0, c.fileName().length() - ".json".length());
        try (Stream<TaskRef> failed = store.list(TaskState.FAILED)) {
            assertThat(failed.collect(Collectors.toList())).singleElement().satisfies(ref -> {
                // Every failed task keeps a result; the name says which run's record it is.
                assertThat(ref.fileName()).startsWith(stem + "~" + c.code() + "~").endsWith(".json");
                assertThat(ref.taskId()).isEqualTo(stem);
                assertThat(DirectoryTaskStore.failureCode(ref)).contains(c.code());
            });
        }
        assertThat(store.count(TaskState.PENDING, null)).isZero();
        TaskRef served = store.find(good.id()).orElseThrow();
        assertThat(served.state()).isEqualTo(TaskState.INBOX);
        assertThat(store.read(served).orElseThrow().task()).isEqualTo(good);
        assertThat(TaskStatusView.of(store).status(stem).orElseThrow().failureCode()).contains(c.code());
    }

    /** One dispatcher pass: good tasks to n1, invalid ones to failed/ with their code. */
    private static List<InvalidTaskException> serveOnce(DirectoryTaskStore store) {
        List<InvalidTaskException> rejections = new ArrayList<>();
        List<TaskRef> refs;
        try (Stream<TaskRef> s = store.list(TaskState.PENDING)) {
            refs = s.collect(Collectors.toList());
        }
        for (TaskRef ref : refs) {
            try {
                store.read(ref).orElseThrow();
                assertThat(store.move(ref, TaskState.INBOX, "n1")).isEqualTo(MoveOutcome.MOVED);
            } catch (InvalidTaskException e) {
                rejections.add(e);
                assertThat(store.fail(ref, e.code(), e.getMessage(), null)).isEqualTo(MoveOutcome.MOVED);
            }
        }
        return rejections;
    }

    private static Case text(String name, String json, ErrorCode code, String field) {
        return new Case(name, ID + ".json", bytes(json), code, field);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code "files":[...]}} closing the task, one entry per source, targets made unique. */
    private static String files(String... sources) {
        StringBuilder b = new StringBuilder("\"files\":[");
        for (int i = 0; i < sources.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"source\":\"").append(sources[i]).append("\",\"target\":\"t/")
                    .append(i).append("\"}");
        }
        return b.append("]}").toString();
    }
}
