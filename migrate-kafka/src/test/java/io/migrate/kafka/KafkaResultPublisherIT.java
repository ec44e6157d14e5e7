package io.migrate.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.kafka.testing.KafkaBroker;
import io.migrate.kafka.testing.TopicReader;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KafkaResultPublisher} against a real KRaft broker. */
class KafkaResultPublisherIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.started(dir.resolve("broker"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static MigrationTask task() {
        return MigrationTask.builder().sourceRoot("/mnt/src")
                .addFile("a/one.dat", "bucket/a/one.dat")
                .addFile("a/two.dat", "bucket/a/two.dat")
                .attribute("requestId", "req-7").attribute("batchId", "b-1")
                .build();
    }

    static TaskResult partiallyFailed(MigrationTask task) {
        Instant start = Instant.parse("2026-11-25T08:00:00Z");
        return new TaskResult(task.id(), task.attempt(), "run-1", "node-a", start, start.plusMillis(1500),
                TaskOutcome.PARTIALLY_FAILED, null, null, List.of(
                        new FileResult("a/one.dat", "bucket/a/one.dat", FileOutcome.COPIED, null, null, 1024,
                                "crc32c:0a1b2c3d", Duration.ofMillis(120), 1),
                        new FileResult("a/two.dat", "bucket/a/two.dat", FileOutcome.FAILED, ErrorCode.QUOTA_EXCEEDED,
                                "bucket over quota", 0, null, Duration.ofMillis(30), 3)),
                null);
    }

    @Test
    void publishedRecordCarriesKeyHeadersAndPerFileOutcomesWithErrorCodes() throws Exception {
        String topic = KafkaBroker.uniqueTopic();
        broker.createTopic(topic, 1);
        MigrationTask task = task();
        TaskResult result = partiallyFailed(task);
        try (KafkaResultPublisher publisher = KafkaResultPublisher.create(config(topic))) {
            publisher.publish(task, result);
        }
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            List<ConsumerRecord<byte[], byte[]>> records = reader.pollUntil(r -> !r.isEmpty(), Duration.ofSeconds(30));
            assertThat(records).hasSize(1);
            ConsumerRecord<byte[], byte[]> r = records.get(0);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(task.id());
            assertThat(TopicReader.header(r, "migrate-result-id")).isEqualTo(task.id() + "#1");
            assertThat(TopicReader.header(r, "migrate-schema-version")).isEqualTo("1");
            assertThat(TopicReader.header(r, "content-type")).isEqualTo("application/json");

            JsonNode json = JSON.readTree(r.value());
            assertThat(json.get("schemaVersion").asInt()).isEqualTo(1);
            assertThat(json.get("resultId").asText()).isEqualTo(task.id() + "#1");
            assertThat(json.get("taskId").asText()).isEqualTo(task.id());
            assertThat(json.get("attempt").asInt()).isEqualTo(1);
            assertThat(json.get("node").asText()).isEqualTo("node-a");
            assertThat(json.get("outcome").asText()).isEqualTo("PARTIALLY_FAILED");
            assertThat(json.get("code").isNull()).isTrue();
            assertThat(json.get("startedAt").asText()).isEqualTo("2026-11-25T08:00:00Z");
            assertThat(json.get("durationMs").asLong()).isEqualTo(1500);
            assertThat(json.get("attributes").get("requestId").asText()).isEqualTo("req-7");
            assertThat(json.get("summary").get("failed").asInt()).isEqualTo(1);
            assertThat(json.get("summary").get("bytes").asLong()).isEqualTo(1024);
            JsonNode ok = json.get("files").get(0);
            assertThat(ok.get("outcome").asText()).isEqualTo("COPIED");
            assertThat(ok.get("checksum").asText()).isEqualTo("crc32c:0a1b2c3d");
            assertThat(ok.get("bytes").asLong()).isEqualTo(1024);
            assertThat(ok.get("durationMs").asLong()).isEqualTo(120);
            JsonNode failed = json.get("files").get(1);
            assertThat(failed.get("outcome").asText()).isEqualTo("FAILED");
            assertThat(failed.get("code").asText()).isEqualTo("QUOTA_EXCEEDED");
            assertThat(failed.get("retryable").asBoolean()).isFalse();
            assertThat(failed.get("attempts").asInt()).isEqualTo(3);
        }
    }

    @Test
    void publishToUnreachableBrokerFailsWithPublishFailedWithinTheTimeout() {
        KafkaResultPublisherConfig config = KafkaResultPublisherConfig.builder()
                .bootstrapServers("127.0.0.1:1").topic("nowhere")
                .maxBlock(Duration.ofSeconds(1)).requestTimeout(Duration.ofMillis(500))
                .deliveryTimeout(Duration.ofSeconds(1)).closeTimeout(Duration.ofSeconds(1))
                .build();
        MigrationTask task = task();
        try (KafkaResultPublisher publisher = KafkaResultPublisher.create(config)) {
            assertThatThrownBy(() -> publisher.publish(task, partiallyFailed(task)))
                    .isInstanceOf(MigrateException.class)
                    .satisfies(e -> assertThat(((MigrateException) e).code()).isEqualTo(ErrorCode.PUBLISH_FAILED));
        }
    }

    static KafkaResultPublisherConfig config(String topic) {
        return KafkaResultPublisherConfig.builder()
                .bootstrapServers(broker.bootstrapServers())
                .topic(topic)
                .maxBlock(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(3))
                .deliveryTimeout(Duration.ofSeconds(8))
                .build();
    }
}
