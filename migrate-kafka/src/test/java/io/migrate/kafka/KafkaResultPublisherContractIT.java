package io.migrate.kafka;

import io.migrate.kafka.testing.KafkaBroker;
import io.migrate.kafka.testing.TopicReader;
import io.migrate.result.ResultPublisher;
import io.migrate.result.ResultPublisherContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ResultPublisherContract} against {@link KafkaResultPublisher} on a real KRaft broker
 * (one for the class), a fresh topic per test, read back with a plain consumer by the
 * {@code migrate-result-id} header.
 */
class KafkaResultPublisherContractIT extends ResultPublisherContract {
    @TempDir
    static Path dir;
    static KafkaBroker broker;

    private TopicReader reader;

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

    @AfterEach
    void closeReader() {
        if (reader != null) {
            reader.close();
        }
    }

    @Override
    protected ResultPublisher newPublisher() throws Exception {
        String topic = KafkaBroker.uniqueTopic();
        broker.createTopic(topic, 1);
        reader = new TopicReader(broker.bootstrapServers(), topic);
        return KafkaResultPublisher.create(KafkaResultPublisherConfig.builder()
                .bootstrapServers(broker.bootstrapServers()).topic(topic)
                .maxBlock(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(3))
                .deliveryTimeout(Duration.ofSeconds(8)).build());
    }

    @Override
    protected List<String> publishedResultIds() {
        return reader.drainFor(Duration.ofMillis(300)).stream().map(r -> TopicReader.header(r, "migrate-result-id"))
                .collect(Collectors.toList());
    }
}
