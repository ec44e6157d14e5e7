package io.migrate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ErrorCode;
import io.migrate.kafka.ResultMessages;
import io.migrate.kafka.testing.KafkaBroker;
import io.migrate.kafka.testing.TopicReader;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's results example, run as written against a real Kafka broker. */
class ResultsEmbeddingIT {
    @TempDir
    Path dir;

    @Test
    void oneHostGetsTheResultOnKafkaInItsListenerAndInTheFuture() throws Exception {
        try (KafkaBroker broker = KafkaBroker.started(dir.resolve("kafka"))) {
            String topic = KafkaBroker.uniqueTopic();
            broker.createTopic(topic, 1);
            Queue<String> printed = new ConcurrentLinkedQueue<>();

            TaskResult result = ResultsEmbedding.run(broker.bootstrapServers(), topic, printed::add);

            assertThat(result.outcome()).isEqualTo(TaskOutcome.PARTIALLY_FAILED);
            assertThat(result.isFinal()).isTrue();
            assertThat(result.countsByCode()).isEqualTo(Map.of(ErrorCode.SOURCE_NOT_FOUND, 1L));
            await().atMost(Duration.ofSeconds(30)).until(() -> printed.stream()
                    .anyMatch(l -> l.equals("listener: " + result.resultId() + " PARTIALLY_FAILED request req-4711")));
            assertThat(printed).anyMatch(l -> l.startsWith("task " + result.taskId() + " ended PARTIALLY_FAILED"));
            try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
                var byId = reader.awaitResultIds(1, Duration.ofSeconds(60));
                assertThat(byId).containsKey(result.resultId());
                assertThat(TopicReader.header(byId.get(result.resultId()).get(0), ResultMessages.HEADER_RESULT_ID))
                        .isEqualTo(result.resultId());
            }
        }
    }
}
