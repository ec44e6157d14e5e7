package io.migrate.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.kafka.testing.KafkaBroker;
import io.migrate.kafka.testing.TopicReader;
import io.migrate.result.FinishedTasks;
import io.migrate.result.ResultOutbox;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Results finished while the broker is down stay in done/ and all arrive once it is back. */
class BrokerOutageIT {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    KafkaBroker broker;

    @AfterEach
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void resultsFinishedWhileTheBrokerIsDownArriveAfterItRestarts() throws Exception {
        broker = KafkaBroker.started(dir.resolve("broker"));
        String topic = KafkaBroker.uniqueTopic();
        broker.createTopic(topic, 2);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(dir.resolve("root")).syncDirectories(false).build();
        KafkaResultPublisherConfig config = KafkaResultPublisherConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topic(topic)
                .maxBlock(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(1))
                .deliveryTimeout(Duration.ofSeconds(3)).closeTimeout(Duration.ofSeconds(2))
                .build();
        List<MigrationTask> tasks = new ArrayList<>();
        try (KafkaResultPublisher publisher = KafkaResultPublisher.create(config);
                ResultOutbox outbox = ResultOutbox.builder().store(store).publisher(publisher).node("node-a")
                        .pollInterval(Duration.ofMillis(100)).initialBackoff(Duration.ofMillis(200))
                        .maxBackoff(Duration.ofSeconds(2)).build()) {
            outbox.start();
            tasks.addAll(FinishedTasks.finish(store, "node-a", 10));
            await().atMost(DEADLINE).until(() -> store.count(TaskState.ARCHIVED, null) == 10);

            broker.stop(); // SIGKILL
            tasks.addAll(FinishedTasks.finish(store, "node-a", 20));
            await().atMost(DEADLINE).until(() -> outbox.stats().publishFailures() >= 2);
            assertThat(store.count(TaskState.DONE, null)).as("nothing leaves done/ while Kafka is down").isEqualTo(20);
            assertThat(store.count(TaskState.ARCHIVED, null)).isEqualTo(10);

            broker.start(); // same ports, same data
            System.out.printf("broker restarted in %d ms%n", broker.lastStartup().toMillis());
            await().atMost(DEADLINE).until(() -> store.count(TaskState.ARCHIVED, null) == 30);
            assertThat(store.count(TaskState.DONE, null)).isZero();
        }
        Set<String> expected = tasks.stream().map(MigrationTask::resultId).collect(Collectors.toSet());
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            reader.awaitResultIds(30, DEADLINE);
            assertThat(TopicReader.byResultId(reader.drainFor(Duration.ofSeconds(1))).keySet())
                    .as("every result, the 10 from before the outage included").isEqualTo(expected);
        }
    }
}
