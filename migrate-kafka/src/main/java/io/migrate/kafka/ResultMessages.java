package io.migrate.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migrate.error.ErrorCode;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The wire format of result messages, schema version {@value #SCHEMA_VERSION}: the header names
 * and the JSON value documented in {@code docs/result-messages.md}. Consumers written in Java may
 * use these constants; the format itself is the contract, not this class.
 *
 * <p>Stateless and thread-safe.
 */
public final class ResultMessages {
    /** Version of the JSON value, also sent in {@link #HEADER_SCHEMA_VERSION}. */
    public static final int SCHEMA_VERSION = 1;
    /** Header holding the result id {@code <task id>#<attempt>}: consumers dedupe on it. */
    public static final String HEADER_RESULT_ID = "migrate-result-id";
    /** Header holding {@link #SCHEMA_VERSION} as a decimal string. */
    public static final String HEADER_SCHEMA_VERSION = "migrate-schema-version";
    /** Header holding {@link #CONTENT_TYPE}. */
    public static final String HEADER_CONTENT_TYPE = "content-type";
    /** The value's media type. */
    public static final String CONTENT_TYPE = "application/json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultMessages() {
    }

    /**
     * Encodes a result as the JSON message value.
     *
     * @param task the task the result belongs to (for its attributes, source root and lineage),
     *     or null when its file cannot be parsed: then {@code sourceRoot} and
     *     {@code parentTaskId} are null, {@code attributes} empty and {@code rootTaskId} the
     *     task's own id
     * @param result the committed result
     * @return UTF-8 JSON
     * @throws IllegalArgumentException if the result is not the task's
     */
    public static byte[] encode(MigrationTask task, TaskResult result) {
        if (task != null && !task.id().equals(result.taskId())) {
            throw new IllegalArgumentException("result " + result.resultId() + " is not for task " + task.id());
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("resultId", result.resultId());
        root.put("taskId", result.taskId());
        root.put("attempt", result.attempt());
        root.put("runId", result.runId());
        root.put("node", result.node());
        root.put("startedAt", instant(result.startedAt()));
        root.put("finishedAt", instant(result.finishedAt()));
        if (result.startedAt() != null && result.finishedAt() != null) {
            root.put("durationMs", Duration.between(result.startedAt(), result.finishedAt()).toMillis());
        } else {
            root.putNull("durationMs");
        }
        root.put("outcome", result.outcome().name());
        putCode(root, result.code());
        root.put("message", result.message());
        root.put("retryTaskId", result.retryTaskId());
        root.put("parentTaskId", task == null ? null : task.parentTaskId().orElse(null));
        root.put("rootTaskId", task == null ? result.taskId() : task.rootTaskId());
        root.put("final", result.isFinal());
        root.put("sourceRoot", task == null ? null : task.sourceRoot());
        ObjectNode attributes = root.putObject("attributes");
        if (task != null) {
            for (Map.Entry<String, String> a : task.attributes().entrySet()) {
                attributes.put(a.getKey(), a.getValue());
            }
        }
        long failed = result.files().stream().filter(f -> !f.succeeded()).count();
        ObjectNode summary = root.putObject("summary");
        summary.put("files", result.files().size());
        summary.put("succeeded", result.files().size() - failed);
        summary.put("failed", failed);
        summary.put("bytes", result.bytes());
        ObjectNode byCode = summary.putObject("failedByCode");
        result.countsByCode().forEach((code, n) -> byCode.put(code.name(), n));
        ArrayNode files = root.putArray("files");
        for (FileResult f : result.files()) {
            ObjectNode file = files.addObject();
            file.put("sourcePath", f.sourcePath());
            file.put("targetKey", f.targetKey());
            file.put("outcome", f.outcome().name());
            putCode(file, f.code());
            file.put("message", f.message());
            file.put("bytes", f.bytes());
            file.put("checksum", f.checksum());
            if (f.duration() != null) {
                file.put("durationMs", f.duration().toMillis());
            } else {
                file.putNull("durationMs");
            }
            file.put("attempts", f.attempts());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // A tree of strings and numbers always serialises; this would be a Jackson bug.
            throw new IllegalStateException("cannot encode result " + result.resultId(), e);
        }
    }

    private static void putCode(ObjectNode node, ErrorCode code) {
        if (code == null) {
            node.putNull("code");
            node.putNull("retryable");
        } else {
            node.put("code", code.name());
            node.put("retryable", code.retryable());
        }
    }

    private static String instant(Instant t) {
        return t == null ? null : t.toString();
    }
}
