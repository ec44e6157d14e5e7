package io.migrate.kafka.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/**
 * Reads every record of a topic from the beginning, without a consumer group (no rebalance to
 * wait for), and keeps them in arrival order. For tests; not thread-safe.
 */
public final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    /**
     * @param bootstrapServers the broker
     * @param topic an existing topic
     */
    public TopicReader(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, p.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Polls until the records read so far satisfy the condition.
     *
     * @param condition checked after each poll
     * @param deadline how long at most
     * @return every record read so far
     * @throws org.awaitility.core.ConditionTimeoutException if the deadline passes
     */
    public List<ConsumerRecord<byte[], byte[]>> pollUntil(Predicate<List<ConsumerRecord<byte[], byte[]>>> condition,
            Duration deadline) {
        Awaitility.await("records on the topic").atMost(deadline).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                    return condition.test(records);
                });
        return List.copyOf(records);
    }

    /**
     * Polls until at least {@code distinct} different result ids were read.
     *
     * @param distinct how many result ids are expected
     * @param deadline how long at most
     * @return the records grouped by result id, in first-arrival order
     */
    public Map<String, List<ConsumerRecord<byte[], byte[]>>> awaitResultIds(int distinct, Duration deadline) {
        pollUntil(r -> byResultId(r).size() >= distinct, deadline);
        return byResultId(records);
    }

    /**
     * Reads whatever else arrives within a short quiet period (to catch late duplicates).
     *
     * @param period how long to keep polling
     * @return every record read so far
     */
    public List<ConsumerRecord<byte[], byte[]>> drainFor(Duration period) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() - end < 0) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return List.copyOf(records);
    }

    /** @return every record read so far */
    public List<ConsumerRecord<byte[], byte[]>> records() {
        return List.copyOf(records);
    }

    /**
     * @param records records
     * @return them grouped by the {@code migrate-result-id} header, in first-arrival order
     */
    public static Map<String, List<ConsumerRecord<byte[], byte[]>>> byResultId(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.computeIfAbsent(header(r, "migrate-result-id"), k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    /**
     * @param record a record
     * @param name header name
     * @return the last value of that header as UTF-8, or null
     */
    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
