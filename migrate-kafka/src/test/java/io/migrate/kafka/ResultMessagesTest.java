package io.migrate.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migrate.error.ErrorCode;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultMessagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-25T08:18:55.123Z");

    private static MigrationTask task() {
        return MigrationTask.builder().id("20261125T081855123Z-3f9a0c1b2d4e").createdAt(T0).sourceRoot("/mnt/nas/projects")
                .addFile("2026/report.pdf", "projects/2026/report.pdf")
                .addFile("2026/raw.bin", "projects/2026/raw.bin")
                .attribute("requestId", "REQ-4711").attribute("batchId", "B-17")
                .build();
    }

    private static TaskResult result(MigrationTask task) {
        return new TaskResult(task.id(), 1, "r-5c2e9a", "backend-2", T0.plusSeconds(5), T0.plusMillis(9120),
                TaskOutcome.PARTIALLY_FAILED, null, null, List.of(
                        new FileResult("2026/report.pdf", "projects/2026/report.pdf", FileOutcome.COPIED, null, null,
                                1_048_576, "crc32c:8a3b19f0", Duration.ofMillis(840), 1),
                        new FileResult("2026/raw.bin", "projects/2026/raw.bin", FileOutcome.FAILED,
                                ErrorCode.SOURCE_CHANGED, "size changed during the copy", 0, null,
                                Duration.ofMillis(2110), 1)),
                "20261125T082404243Z-77c1e0a9b3f2");
    }

    @Test
    void encodesTaskAndPerFileOutcomesWithCodesAndRetryability() throws Exception {
        MigrationTask task = task();
        JsonNode json = JSON.readTree(ResultMessages.encode(task, result(task)));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));

        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("schemaVersion", "resultId", "taskId", "attempt", "runId", "node",
                "startedAt", "finishedAt", "durationMs", "outcome", "code", "retryable", "message", "retryTaskId",
                "parentTaskId", "rootTaskId", "final", "sourceRoot", "attributes", "summary", "files");
        assertThat(json.get("resultId").asText()).isEqualTo("20261125T081855123Z-3f9a0c1b2d4e#1");
        assertThat(json.get("durationMs").asLong()).isEqualTo(4120);
        assertThat(json.get("retryTaskId").asText()).isEqualTo("20261125T082404243Z-77c1e0a9b3f2");
        assertThat(json.get("summary").toString()).isEqualTo(
                "{\"files\":2,\"succeeded\":1,\"failed\":1,\"bytes\":1048576,\"failedByCode\":{\"SOURCE_CHANGED\":1}}");
        assertThat(json.get("rootTaskId").asText()).isEqualTo(task.id());
        assertThat(json.get("final").asBoolean()).isFalse(); // a retry task follows
        JsonNode failed = json.get("files").get(1);
        assertThat(failed.get("code").asText()).isEqualTo("SOURCE_CHANGED");
        assertThat(failed.get("retryable").asBoolean()).isTrue();
        assertThat(failed.get("checksum").isNull()).isTrue();
        assertThat(json.get("files").get(0).get("code").isNull()).isTrue();
    }

    @Test
    void rejectedTaskCarriesItsCodeAndNoFiles() throws Exception {
        MigrationTask task = task();
        TaskResult rejected = new TaskResult(task.id(), 1, "r-1", "backend-1", T0, T0, TaskOutcome.REJECTED,
                ErrorCode.PATH_TRAVERSAL, "files[1].sourcePath climbs out of the source root", List.of(), null);
        JsonNode json = JSON.readTree(ResultMessages.encode(task, rejected));
        assertThat(json.get("outcome").asText()).isEqualTo("REJECTED");
        assertThat(json.get("code").asText()).isEqualTo("PATH_TRAVERSAL");
        assertThat(json.get("retryable").asBoolean()).isFalse();
        assertThat(json.get("files")).isEmpty();
    }

    @Test
    void givenUpRetryIsFinalAndCarriesItsLineage() throws Exception {
        String root = "20261125T081855123Z-3f9a0c1b2d4e";
        MigrationTask retry = task().toBuilder().id("20261125T082404243Z-77c1e0a9b3f2").attempt(5)
                .parentTaskId("20261125T082100000Z-0000000000aa").rootTaskId(root).build();
        TaskResult last = TaskResult.ended(retry.id(), 5, retry.files(), "backend-2", T0, TaskOutcome.FAILED,
                ErrorCode.MAX_ATTEMPTS_EXCEEDED, "2 files still failing after 4 attempts");
        JsonNode json = JSON.readTree(ResultMessages.encode(retry, last));
        assertThat(json.get("outcome").asText()).isEqualTo("FAILED");
        assertThat(json.get("code").asText()).isEqualTo("MAX_ATTEMPTS_EXCEEDED");
        assertThat(json.get("final").asBoolean()).isTrue();
        assertThat(json.get("rootTaskId").asText()).isEqualTo(root);
        assertThat(json.get("parentTaskId").asText()).isEqualTo("20261125T082100000Z-0000000000aa");
        assertThat(json.get("summary").get("failedByCode").get("MAX_ATTEMPTS_EXCEEDED").asLong()).isEqualTo(2);
    }

    @Test
    void unreadableTaskIsEncodedWithTheIdFromItsResultAlone() throws Exception {
        TaskResult rejected = TaskResult.ended("20261125T081855123Z-3f9a0c1b2d4e", 1, List.of(), null, T0,
                TaskOutcome.REJECTED, ErrorCode.INVALID_JSON, "the task file does not start with a JSON object");
        JsonNode json = JSON.readTree(ResultMessages.encode(null, rejected));
        assertThat(json.get("resultId").asText()).isEqualTo("20261125T081855123Z-3f9a0c1b2d4e#1");
        assertThat(json.get("rootTaskId").asText()).isEqualTo("20261125T081855123Z-3f9a0c1b2d4e");
        assertThat(json.get("final").asBoolean()).isTrue();
        assertThat(json.get("sourceRoot").isNull()).isTrue();
        assertThat(json.get("attributes")).isEmpty();
        assertThat(json.get("files")).isEmpty();
    }

    @Test
    void theDocumentedJsonSchemaRequiresExactlyTheFieldsEncoded() throws Exception {
        JsonNode schema = JSON.readTree(java.nio.file.Path.of("..", "docs", "result-message.schema.json").toFile());
        MigrationTask task = task();
        JsonNode json = JSON.readTree(ResultMessages.encode(task, result(task)));
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        List<String> required = new ArrayList<>();
        schema.get("required").forEach(n -> required.add(n.asText()));
        assertThat(required).containsExactlyElementsOf(fields);
        List<String> fileFields = new ArrayList<>();
        json.get("files").get(0).fieldNames().forEachRemaining(fileFields::add);
        List<String> fileRequired = new ArrayList<>();
        schema.at("/properties/files/items/required").forEach(n -> fileRequired.add(n.asText()));
        assertThat(fileRequired).containsExactlyElementsOf(fileFields);
        List<String> summary = new ArrayList<>();
        json.get("summary").fieldNames().forEachRemaining(summary::add);
        List<String> summaryRequired = new ArrayList<>();
        schema.at("/properties/summary/required").forEach(n -> summaryRequired.add(n.asText()));
        assertThat(summaryRequired).containsExactlyElementsOf(summary);
    }

    @Test
    void refusesAResultOfAnotherTask() {
        MigrationTask task = task();
        MigrationTask other = MigrationTask.builder().sourceRoot("/x").addFile("a", "b").build();
        assertThatThrownBy(() -> ResultMessages.encode(other, result(task))).isInstanceOf(IllegalArgumentException.class);
    }
}
