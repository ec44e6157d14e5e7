package io.migrate.kafka.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture itself: a clean (SIGTERM) stop and a restart keep the address, topics and records. */
class KafkaBrokerIT {

    @TempDir
    Path dir;

    @Test
    void gracefulStopAndRestartKeepTheAddressAndTheData() throws Exception {
        try (KafkaBroker broker = KafkaBroker.started(dir)) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopic("kept", 1);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("kept", "k".getBytes(StandardCharsets.UTF_8),
                        "before restart".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }

            long t0 = System.nanoTime();
            broker.stopGracefully();
            System.out.printf("SIGTERM stop took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(broker.isRunning()).isFalse();

            broker.start();
            System.out.printf("restart after SIGTERM ready in %d ms%n", broker.lastStartup().toMillis());
            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            try (TopicReader reader = new TopicReader(bootstrap, "kept")) {
                List<ConsumerRecord<byte[], byte[]>> records = reader.pollUntil(r -> !r.isEmpty(), Duration.ofSeconds(30));
                assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("before restart");
            }
        }
    }
}
