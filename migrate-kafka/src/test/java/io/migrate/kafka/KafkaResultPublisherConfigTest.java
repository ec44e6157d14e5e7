package io.migrate.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KafkaResultPublisherConfigTest {

    private static KafkaResultPublisherConfig.Builder valid() {
        return KafkaResultPublisherConfig.builder().bootstrapServers("127.0.0.1:9092");
    }

    @Test
    void defaultsWork() {
        KafkaResultPublisherConfig c = valid().build();
        assertThat(c.topic()).isEqualTo("migrate-results");
        assertThat(c.publishTimeout()).isEqualTo(c.maxBlock().plus(c.deliveryTimeout()).plusSeconds(1));
    }

    @Test
    void bootstrapServersAreRequired() {
        assertThatThrownBy(() -> KafkaResultPublisherConfig.builder().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("publisher.kafka.bootstrapServers");
    }

    @Test
    void refusesPropertiesThatWeakenDurabilityOrReplaceTheFormat() {
        assertThatThrownBy(() -> valid().clientProperty("acks", "1").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("publisher.kafka.client.acks");
        assertThatThrownBy(() -> valid().clientProperty("enable.idempotence", "false").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("enable.idempotence");
        assertThatThrownBy(() -> valid().clientProperty("value.serializer", "x.Y").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("value.serializer");
        assertThat(valid().clientProperty("acks", "all").clientProperty("compression.type", "zstd").build()
                .clientProperties()).containsEntry("compression.type", "zstd");
    }

    @Test
    void deliveryTimeoutMustExceedRequestTimeout() {
        assertThatThrownBy(() -> valid().requestTimeout(Duration.ofSeconds(30)).deliveryTimeout(Duration.ofSeconds(30)).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("deliveryTimeout");
    }

    @Test
    void toStringNamesClientPropertyKeysButNeverValues() {
        String s = valid().clientProperty("sasl.jaas.config", "secret-password").build().toString();
        assertThat(s).contains("sasl.jaas.config").doesNotContain("secret-password");
    }
}
