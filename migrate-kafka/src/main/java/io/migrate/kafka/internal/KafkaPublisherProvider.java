package io.migrate.kafka.internal;

import io.migrate.config.Settings;
import io.migrate.kafka.KafkaResultPublisher;
import io.migrate.kafka.KafkaResultPublisherConfig;
import io.migrate.node.spi.PublisherProvider;
import io.migrate.result.ResultPublisher;

/**
 * {@code publisher.type=kafka}: {@code publisher.kafka.bootstrapServers} (required),
 * {@code .topic}, {@code .clientId} (default {@code migrate-results-<node>}),
 * {@code .deliveryTimeout}, {@code .requestTimeout}, {@code .maxBlock}, {@code .closeTimeout},
 * and any producer property as {@code publisher.kafka.client.<name>} (for example
 * {@code publisher.kafka.client.security.protocol=SSL}).
 */
public final class KafkaPublisherProvider implements PublisherProvider {
    /** ServiceLoader constructor. */
    public KafkaPublisherProvider() {
    }

    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public ResultPublisher create(Settings settings, String nodeId) {
        Settings s = settings.under("kafka.");
        KafkaResultPublisherConfig.Builder b = KafkaResultPublisherConfig.builder()
                .bootstrapServers(s.required("bootstrapServers", "host:port[,host:port...] of the Kafka brokers"))
                .clientId(s.string("clientId", "migrate-results-" + nodeId));
        s.optional("topic").ifPresent(b::topic);
        s.optional("deliveryTimeout").ifPresent(v -> b.deliveryTimeout(s.duration("deliveryTimeout", null)));
        s.optional("requestTimeout").ifPresent(v -> b.requestTimeout(s.duration("requestTimeout", null)));
        s.optional("maxBlock").ifPresent(v -> b.maxBlock(s.duration("maxBlock", null)));
        s.optional("closeTimeout").ifPresent(v -> b.closeTimeout(s.duration("closeTimeout", null)));
        Settings client = s.under("client.");
        client.asMap().keySet().forEach(k -> b.clientProperty(k, client.required(k, "a Kafka producer setting")));
        return KafkaResultPublisher.create(b.build());
    }
}
