package io.migrate.task;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.migrate.error.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk form of a task file (see {@code docs/task-root.md}): the task as the first JSON
 * document (written compact, may be pretty-printed by hosts), then appended records, one compact
 * JSON object per line, each written with a leading newline so that a record torn by a crash
 * stays alone on its line and is skipped on reading.
 *
 * <p>Thread-safe (the mapper is configured once and only used afterwards).
 */
final class TaskFileCodec {
    private static final Logger log = LoggerFactory.getLogger(TaskFileCodec.class);

    static final String RECORD = "record";
    static final String RECORD_EVENT = "event";
    static final String RECORD_RESULT = "result";

    private final JsonMapper mapper;
    private final TaskValidator validator;

    /** A decoded task file. */
    record Decoded(MigrationTask task, List<TaskEvent> history, List<TaskResult> results) {
    }

    TaskFileCodec(TaskValidator validator) {
        this.validator = validator;
        this.mapper = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                // Records from a newer release may carry fields this one does not know.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
                .build();
    }

    // ------------------------------------------------------------------ writing

    /** @return the task document, compact, followed by a newline */
    byte[] encodeTask(MigrationTask task) {
        ObjectNode n = mapper.createObjectNode();
        n.put("schemaVersion", MigrationTask.SCHEMA_VERSION);
        n.put("id", task.id());
        n.put("createdAt", task.createdAt().toString());
        n.put("attempt", task.attempt());
        n.put("sourceRoot", task.sourceRoot());
        ArrayNode files = n.putArray("files");
        for (FileEntry e : task.files()) {
            files.addObject().put("source", e.sourcePath()).put("target", e.targetKey());
        }
        ObjectNode attributes = n.putObject("attributes");
        task.attributes().forEach(attributes::put);
        task.parentTaskId().ifPresent(p -> n.put("parentTaskId", p));
        if (!task.rootTaskId().equals(task.id())) {
            n.put("rootTaskId", task.rootTaskId());
        }
        return line(n, false);
    }

    /** @return an appendable history record: newline, compact JSON, newline */
    byte[] encodeEvent(TaskEvent event) {
        return record(RECORD_EVENT, mapper.valueToTree(event));
    }

    /** @return an appendable result record: newline, compact JSON, newline */
    byte[] encodeResult(TaskResult result) {
        return record(RECORD_RESULT, mapper.valueToTree(result));
    }

    /** @return the retry side file's content: {@code {"retryTaskId":"<id>"}} and a newline */
    byte[] encodeRetryId(String retryTaskId) {
        ObjectNode n = mapper.createObjectNode();
        n.put("retryTaskId", retryTaskId);
        return (n.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** @return the id in a retry side file, or null if it holds none (unparsable, wrong shape) */
    String decodeRetryId(byte[] bytes) {
        try {
            JsonNode id = mapper.readTree(bytes).get("retryTaskId");
            return id != null && id.isTextual() ? id.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private byte[] record(String type, ObjectNode body) {
        ObjectNode n = mapper.createObjectNode();
        n.put(RECORD, type);
        body.remove(RECORD);
        n.setAll(body);
        return line(n, true);
    }

    private byte[] line(ObjectNode n, boolean leadingNewline) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            if (leadingNewline) {
                out.write('\n');
            }
            out.writeBytes(mapper.writeValueAsBytes(n));
            out.write('\n');
            return out.toByteArray();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a JSON tree", e);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Decodes a whole task file. The caller has already checked its size.
     *
     * @param bytes the file's content
     * @return the task (validated), its history and every well-formed result record
     * @throws InvalidTaskException if the task document is malformed or breaks a rule
     */
    Decoded decode(byte[] bytes) {
        int start = skipWhitespace(bytes, 0);
        if (start == bytes.length) {
            throw new InvalidTaskException(ErrorCode.INVALID_JSON, null, "empty task file");
        }
        if (bytes[start] != '{') {
            throw new InvalidTaskException(ErrorCode.INVALID_JSON, null, "the task file does not start with a JSON object");
        }
        int end = endOfObject(bytes, start);
        if (end < 0) {
            throw new InvalidTaskException(ErrorCode.INVALID_JSON, null, "truncated JSON: the task object is not closed");
        }
        String text = strictUtf8(bytes, start, end);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidTaskException(ErrorCode.INVALID_JSON, null, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        MigrationTask task = parseTask(root);
        validator.validate(task);
        List<TaskEvent> history = new ArrayList<>();
        List<TaskResult> results = new ArrayList<>();
        readRecords(bytes, end, history, results);
        return new Decoded(task, history, results);
    }

    /**
     * What can be read from a task file whose task document may be broken.
     *
     * @param task the task, or null when its document does not parse or breaks a rule
     * @param history well-formed event records
     * @param results well-formed result records
     */
    record Salvaged(MigrationTask task, List<TaskEvent> history, List<TaskResult> results) {
    }

    /**
     * Decodes as much as possible: the whole file when it is valid, else every line that is a
     * well-formed record (a result or event appended to a task whose document is malformed, or
     * the tail of a file too large to read whole).
     *
     * @param bytes the file's content, or its tail
     * @return what could be read; never throws for malformed content
     */
    Salvaged salvage(byte[] bytes) {
        try {
            Decoded d = decode(bytes);
            return new Salvaged(d.task(), d.history(), d.results());
        } catch (InvalidTaskException e) {
            List<TaskEvent> history = new ArrayList<>();
            List<TaskResult> results = new ArrayList<>();
            readRecords(bytes, 0, history, results);
            return new Salvaged(null, history, results);
        }
    }

    /**
     * Decodes a side file (layout 2): records only, no task document. Unreadable records are
     * skipped as in a task file.
     *
     * @param bytes the side file's content
     * @param history receives its events
     * @param results receives its results
     */
    void decodeRecords(byte[] bytes, List<TaskEvent> history, List<TaskResult> results) {
        readRecords(bytes, 0, history, results);
    }

    private MigrationTask parseTask(JsonNode root) {
        if (!root.isObject()) {
            throw new InvalidTaskException(ErrorCode.INVALID_JSON, null, "the task is not a JSON object");
        }
        // The version first: a newer format may not have the fields this one expects.
        validator.checkSchemaVersion(intField(root, "schemaVersion"));
        MigrationTask.Builder b = MigrationTask.builder()
                .id(textField(root, "id"))
                .createdAt(instantField(root, "createdAt"))
                .attempt(intField(root, "attempt"))
                .sourceRoot(textField(root, "sourceRoot"));
        JsonNode files = required(root, "files");
        if (!files.isArray()) {
            throw wrongType("files", "an array");
        }
        if (files.size() > validator.maxFiles()) {
            throw new InvalidTaskException(ErrorCode.TOO_MANY_FILES, "files",
                    files.size() + " files, at most " + validator.maxFiles() + " allowed");
        }
        List<FileEntry> entries = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            JsonNode e = files.get(i);
            String field = "files[" + i + "]";
            if (!e.isObject()) {
                throw wrongType(field, "an object");
            }
            entries.add(new FileEntry(textField(e, field, "source"), textField(e, field, "target")));
        }
        b.files(entries);
        JsonNode attributes = root.get("attributes");
        if (attributes != null && !attributes.isNull()) {
            if (!attributes.isObject()) {
                throw wrongType("attributes", "an object of strings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> a = it.next();
                if (!a.getValue().isTextual()) {
                    throw wrongType("attributes." + a.getKey(), "a string");
                }
                b.attribute(a.getKey(), a.getValue().textValue());
            }
        }
        JsonNode parent = root.get("parentTaskId");
        if (parent != null && !parent.isNull()) {
            if (!parent.isTextual()) {
                throw wrongType("parentTaskId", "a string");
            }
            b.parentTaskId(parent.textValue());
        }
        JsonNode rootId = root.get("rootTaskId");
        if (rootId != null && !rootId.isNull()) {
            if (!rootId.isTextual()) {
                throw wrongType("rootTaskId", "a string");
            }
            b.rootTaskId(rootId.textValue());
        }
        return b.build();
    }

    private void readRecords(byte[] bytes, int from, List<TaskEvent> history, List<TaskResult> results) {
        int pos = from;
        while (pos < bytes.length) {
            int nl = indexOf(bytes, (byte) '\n', pos);
            int lineEnd = nl < 0 ? bytes.length : nl;
            int s = skipWhitespace(bytes, pos);
            if (s < lineEnd) {
                readRecord(bytes, s, lineEnd, history, results);
            }
            pos = lineEnd + 1;
        }
    }

    /** A record that does not parse was torn by a crash mid-append: skipped, never fatal. */
    private void readRecord(byte[] bytes, int start, int end, List<TaskEvent> history, List<TaskResult> results) {
        try {
            String text = strictUtf8(bytes, start, end);
            JsonNode n = mapper.readTree(text);
            String type = n.path(RECORD).asText("");
            if (type.equals(RECORD_EVENT)) {
                history.add(mapper.treeToValue(n, TaskEvent.class));
            } else if (type.equals(RECORD_RESULT)) {
                results.add(mapper.treeToValue(n, TaskResult.class));
            } else {
                log.debug("skipping a record of unknown type '{}'", TaskValidator.printable(type));
            }
        } catch (InvalidTaskException | JsonProcessingException | IllegalArgumentException e) {
            log.debug("skipping a torn or unreadable record at byte {}: {}", start, e.toString());
        }
    }

    // ------------------------------------------------------------------ fields

    private static JsonNode required(JsonNode parent, String name) {
        return required(parent, null, name);
    }

    private static JsonNode required(JsonNode parent, String prefix, String name) {
        JsonNode n = parent.get(name);
        if (n == null || n.isNull()) {
            throw new InvalidTaskException(ErrorCode.MISSING_FIELD, qualify(prefix, name), "is required");
        }
        return n;
    }

    private static String textField(JsonNode parent, String name) {
        return textField(parent, null, name);
    }

    private static String textField(JsonNode parent, String prefix, String name) {
        JsonNode n = required(parent, prefix, name);
        if (!n.isTextual()) {
            throw wrongType(qualify(prefix, name), "a string");
        }
        return n.textValue();
    }

    private static int intField(JsonNode parent, String name) {
        JsonNode n = required(parent, name);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrongType(name, "an integer");
        }
        return n.intValue();
    }

    private static Instant instantField(JsonNode parent, String name) {
        String s = textField(parent, name);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, name,
                    "not an ISO-8601 instant: " + TaskValidator.printable(s), e);
        }
    }

    private static String qualify(String prefix, String name) {
        return prefix == null ? name : prefix + "." + name;
    }

    private static InvalidTaskException wrongType(String field, String expected) {
        return new InvalidTaskException(ErrorCode.INVALID_FIELD, field, "must be " + expected);
    }

    // ------------------------------------------------------------------ bytes

    /** Task files come from other hosts: bytes that are not UTF-8 are an error, never replaced. */
    private static String strictUtf8(byte[] bytes, int start, int end) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        try {
            return decoder.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidTaskException(ErrorCode.INVALID_ENCODING, null,
                    "the task file is not valid UTF-8 near byte " + in.position(), e);
        }
    }

    private static int skipWhitespace(byte[] b, int from) {
        int i = from;
        // A UTF-8 byte order mark written by some editors.
        if (i == 0 && b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            i = 3;
        }
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i;
    }

    /**
     * Finds the end of the JSON object starting at {@code start}, on bytes: every structural
     * character is ASCII and no byte of a multi-byte UTF-8 sequence is, so this works before
     * the bytes are known to be valid UTF-8.
     *
     * @return the index after the closing brace, or -1 if the object is not closed
     */
    static int endOfObject(byte[] b, int start) {
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        for (int i = start; i < b.length; i++) {
            byte c = b[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    private static int indexOf(byte[] b, byte value, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
