package io.migrate.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migrate.error.ErrorCode;
import io.migrate.kafka.testing.KafkaBroker;
import io.migrate.kafka.testing.TopicReader;
import io.migrate.result.FinishedTasks;
import io.migrate.result.ResultOutbox;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskState;
import io.migrate.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox draining a real task root into a real KRaft broker, including a publisher crash. */
class OutboxToKafkaIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    static Path brokerDir;
    static KafkaBroker broker;

    @TempDir
    Path root;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.started(brokerDir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private DirectoryTaskStore store() {
        return DirectoryTaskStore.builder().root(root).syncDirectories(false).build();
    }

    private static Set<String> resultIds(List<MigrationTask> tasks) {
        return tasks.stream().map(MigrationTask::resultId).collect(Collectors.toSet());
    }

    private static KafkaResultPublisher publisher(String topic) {
        return KafkaResultPublisher.create(KafkaResultPublisherConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topic(topic).build());
    }

    private static ResultOutbox outbox(DirectoryTaskStore store, KafkaResultPublisher publisher) {
        return ResultOutbox.builder().store(store).publisher(publisher).node("node-a")
                .pollInterval(Duration.ofMillis(100)).initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofSeconds(1)).build();
    }

    @Test
    void everyFinishedTaskIsConsumedExactlyOncePerResultId() throws Exception {
        String topic = KafkaBroker.uniqueTopic();
        broker.createTopic(topic, 3);
        DirectoryTaskStore store = store();
        List<MigrationTask> tasks = FinishedTasks.finish(store, "node-a", 40);
        try (KafkaResultPublisher publisher = publisher(topic); ResultOutbox outbox = outbox(store, publisher)) {
            outbox.start();
            await().atMost(DEADLINE).until(() -> store.count(TaskState.ARCHIVED, null) == 40);
        }
        assertThat(store.count(TaskState.DONE, null)).isZero();
        Map<String, MigrationTask> byId = tasks.stream().collect(Collectors.toMap(MigrationTask::id, Function.identity()));
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            reader.awaitResultIds(40, DEADLINE);
            List<ConsumerRecord<byte[], byte[]>> records = reader.drainFor(Duration.ofSeconds(1));
            Map<String, List<ConsumerRecord<byte[], byte[]>>> grouped = TopicReader.byResultId(records);
            assertThat(grouped.keySet()).isEqualTo(resultIds(tasks));
            // One drainer, no crash: the idempotent producer adds no duplicates of its own.
            assertThat(records).hasSize(40);
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String taskId = new String(r.key(), StandardCharsets.UTF_8);
                JsonNode json = JSON.readTree(r.value());
                assertThat(json.get("taskId").asText()).isEqualTo(taskId);
                assertThat(json.get("attributes").get("requestId").asText())
                        .isEqualTo(byId.get(taskId).attributes().get("requestId"));
                boolean hasFailedFile = json.get("summary").get("failed").asInt() > 0;
                assertThat(json.get("outcome").asText()).isEqualTo(hasFailedFile ? "PARTIALLY_FAILED" : "SUCCEEDED");
                if (hasFailedFile) {
                    assertThat(json.get("files").get(1).get("code").asText()).isEqualTo("QUOTA_EXCEEDED");
                }
            }
        }
    }

    @Test
    void publisherKilledWhileDrainingRepublishesWithTheSameResultIdAndLosesNone() throws Exception {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> grouped = killPublisherAndRecover(400, null);
        long duplicates = grouped.values().stream().mapToInt(List::size).sum() - grouped.size();
        System.out.printf("random kill: %d duplicates%n", duplicates);
    }

    @Test
    void publisherKilledBetweenAckAndArchivePublishesThatResultTwiceWithTheSameId() throws Exception {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> grouped = killPublisherAndRecover(40, 12);
        List<String> twice = grouped.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
        assertThat(twice).as("the result acked before the kill is published again, and only it").hasSize(1);
        assertThat(twice.get(0)).isEqualTo(ackedNotArchived);
    }

    private String ackedNotArchived;

    /**
     * Finishes {@code n} tasks, lets a child JVM drain them to Kafka and SIGKILLs it mid-drain
     * (after its {@code pauseAfter}-th ack when given, else once a few tasks are archived), then
     * drains the rest in this JVM and reads the topic.
     */
    private Map<String, List<ConsumerRecord<byte[], byte[]>>> killPublisherAndRecover(int n, Integer pauseAfter)
            throws Exception {
        String topic = KafkaBroker.uniqueTopic();
        broker.createTopic(topic, 3);
        DirectoryTaskStore store = store();
        List<MigrationTask> tasks = FinishedTasks.finish(store, "node-a", n);
        // Tasks that ended in failed/ are drained the same way: given up ones and an unreadable one.
        Set<String> expectedIds = new TreeSet<>(resultIds(tasks));
        int failedTasks = n / 4;
        for (int i = 0; i < failedTasks; i++) {
            MigrationTask t = MigrationTask.builder().sourceRoot("/src").addFile("f/" + i, "k/" + i).build();
            store.fail(store.submit(t), ErrorCode.TOO_MANY_REASSIGNMENTS, "test", null);
            expectedIds.add(t.resultId());
        }
        String unreadable = TaskIds.newId(java.time.Instant.now());
        Files.writeString(root.resolve("pending").resolve(unreadable + ".json"), "{ not json");
        store.fail(store.find(unreadable).orElseThrow(), ErrorCode.INVALID_JSON, "not json", null);
        expectedIds.add(unreadable + "#1");
        int total = n + failedTasks + 1;

        List<String> args = new ArrayList<>(List.of(root.toString(), broker.bootstrapServers(), topic));
        if (pauseAfter != null) {
            args.add(pauseAfter.toString());
        }
        long archivedAtKill;
        long doneAtKill;
        ChildJvm child = ChildJvm.start("outbox-child", root.resolveSibling(root.getFileName() + "-logs"),
                OutboxMain.class, List.of("-Xmx256m"), args.toArray(String[]::new));
        try {
            var wait = await().atMost(DEADLINE).failFast("child died", () -> !child.isAlive())
                    .pollInterval(Duration.ofMillis(5));
            if (pauseAfter != null) {
                wait.until(() -> child.output().contains("ACKED-NOT-ARCHIVED "));
                String out = child.output();
                int at = out.indexOf("ACKED-NOT-ARCHIVED ") + "ACKED-NOT-ARCHIVED ".length();
                ackedNotArchived = out.substring(at, out.indexOf('\n', at)).trim();
            } else {
                wait.until(() -> store.count(TaskState.ARCHIVED, null) >= 15);
            }
            child.kill();
            archivedAtKill = store.count(TaskState.ARCHIVED, null);
            doneAtKill = store.count(TaskState.DONE, null) + store.count(TaskState.FAILED, null);
        } finally {
            child.kill(); // no-op when already dead; a failed wait must not leave it running
        }
        System.out.printf("publisher killed with %d archived, %d still in done/ and failed/%n", archivedAtKill,
                doneAtKill);
        assertThat(doneAtKill).as("the kill must hit the drain in the middle").isPositive();
        assertThat(archivedAtKill + doneAtKill).isEqualTo(total);

        // The node restarts: a new outbox drains what the dead one left.
        try (KafkaResultPublisher publisher = publisher(topic); ResultOutbox outbox = outbox(store, publisher)) {
            outbox.start();
            await().atMost(DEADLINE).until(() -> store.count(TaskState.DONE, null) == 0
                    && store.count(TaskState.FAILED, null) == 0);
        }
        assertThat(store.count(TaskState.ARCHIVED, null)).isEqualTo(total);

        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            reader.awaitResultIds(total, DEADLINE);
            List<ConsumerRecord<byte[], byte[]>> records = reader.drainFor(Duration.ofSeconds(1));
            Map<String, List<ConsumerRecord<byte[], byte[]>>> grouped = TopicReader.byResultId(records);
            assertThat(new TreeSet<>(grouped.keySet())).as("no result missing, failed tasks' included")
                    .isEqualTo(expectedIds);
            for (List<ConsumerRecord<byte[], byte[]>> same : grouped.values()) {
                ConsumerRecord<byte[], byte[]> first = same.get(0);
                for (ConsumerRecord<byte[], byte[]> r : same) {
                    // A duplicate is the same result: same key, same bytes.
                    assertThat(r.key()).isEqualTo(first.key());
                    assertThat(Arrays.equals(r.value(), first.value())).isTrue();
                }
            }
            return grouped;
        }
    }
}
