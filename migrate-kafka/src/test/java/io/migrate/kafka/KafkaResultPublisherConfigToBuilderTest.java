package io.migrate.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KafkaResultPublisherConfigToBuilderTest {

    private static KafkaResultPublisherConfig custom() {
        return KafkaResultPublisherConfig.builder().bootstrapServers("k1:9092,k2:9092").topic("results")
                .clientId("node-a").clientProperty("compression.type", "zstd").clientProperty("linger.ms", "5")
                .deliveryTimeout(Duration.ofSeconds(40)).requestTimeout(Duration.ofSeconds(8))
                .maxBlock(Duration.ofSeconds(6)).closeTimeout(Duration.ofSeconds(4)).build();
    }

    @Test
    void toBuilderBuildsAConfigEqualInEveryGetter() {
        KafkaResultPublisherConfig c = custom();
        KafkaResultPublisherConfig copy = c.toBuilder().build();
        assertThat(copy.bootstrapServers()).isEqualTo(c.bootstrapServers());
        assertThat(copy.topic()).isEqualTo(c.topic());
        assertThat(copy.clientId()).isEqualTo(c.clientId());
        assertThat(copy.clientProperties()).containsExactlyEntriesOf(c.clientProperties());
        assertThat(copy.deliveryTimeout()).isEqualTo(c.deliveryTimeout());
        assertThat(copy.requestTimeout()).isEqualTo(c.requestTimeout());
        assertThat(copy.maxBlock()).isEqualTo(c.maxBlock());
        assertThat(copy.closeTimeout()).isEqualTo(c.closeTimeout());
        assertThat(copy.publishTimeout()).isEqualTo(c.publishTimeout());
    }

    @Test
    void changingTheReopenedBuilderLeavesTheConfigAlone() {
        KafkaResultPublisherConfig c = custom();
        KafkaResultPublisherConfig changed = c.toBuilder().topic("other").clientProperty("batch.size", "1").build();
        assertThat(changed.topic()).isEqualTo("other");
        assertThat(changed.clientProperties()).containsEntry("batch.size", "1").containsEntry("linger.ms", "5");
        assertThat(c.topic()).isEqualTo("results");
        assertThat(c.clientProperties()).doesNotContainKey("batch.size");
    }
}
