package io.migrate.kafka;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Immutable settings of a {@link KafkaResultPublisher}. Built with {@link #builder()}, reopened
 * with {@link #toBuilder()}; {@link Builder#build()} validates every value. Each getter returns
 * what was set; {@link #publishTimeout()} is derived from two of them. Thread-safe.
 *
 * <p>The producer is always idempotent with {@code acks=all}: settings that would weaken that,
 * or replace the serializers, are rejected. Every other Kafka producer property (security,
 * compression, batching) may be given through {@link Builder#clientProperty(String, String)}.
 */
public final class KafkaResultPublisherConfig {
    /**
     * Errors name the key an operator writes in a node's properties ({@code publisher.kafka.topic},
     * {@code publisher.kafka.client.acks}), so the message points at the line to fix; the builder
     * method of the same name sets the same thing.
     */
    static final String PREFIX = "publisher.kafka.";

    /** Properties this library sets itself and a host must not override. */
    private static final Set<String> RESERVED = Set.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            ProducerConfig.CLIENT_ID_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    private final String bootstrapServers;
    private final String topic;
    private final String clientId;
    private final Map<String, String> clientProperties;
    private final Duration deliveryTimeout;
    private final Duration requestTimeout;
    private final Duration maxBlock;
    private final Duration closeTimeout;

    private KafkaResultPublisherConfig(Builder b) {
        this.bootstrapServers = Require.nonBlank(PREFIX + "bootstrapServers", b.bootstrapServers);
        this.topic = Require.nonBlank(PREFIX + "topic", b.topic);
        this.clientId = Require.nonBlank(PREFIX + "clientId", b.clientId);
        this.deliveryTimeout = Require.positive(PREFIX + "deliveryTimeout", b.deliveryTimeout);
        this.requestTimeout = Require.positive(PREFIX + "requestTimeout", b.requestTimeout);
        this.maxBlock = Require.positive(PREFIX + "maxBlock", b.maxBlock);
        this.closeTimeout = Require.positive(PREFIX + "closeTimeout", b.closeTimeout);
        if (deliveryTimeout.compareTo(requestTimeout) <= 0) {
            throw new ConfigurationException(PREFIX + "deliveryTimeout",
                    "must be longer than requestTimeout (" + requestTimeout + "), was " + deliveryTimeout);
        }
        for (Map.Entry<String, String> p : b.clientProperties.entrySet()) {
            checkClientProperty(p.getKey(), p.getValue());
        }
        this.clientProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.clientProperties));
    }

    private static void checkClientProperty(String key, String value) {
        String setting = PREFIX + "client." + key;
        Require.nonNull(setting, value);
        if (RESERVED.contains(key)) {
            throw new ConfigurationException(setting, "is set by the publisher; use the builder's setting instead");
        }
        if (key.equals(ProducerConfig.ACKS_CONFIG) && !value.equals("all") && !value.equals("-1")) {
            throw new ConfigurationException(setting, "must be 'all': results must survive a broker failure");
        }
        if (key.equals(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG) && !value.equalsIgnoreCase("true")) {
            throw new ConfigurationException(setting, "must be 'true': retries must not reorder or duplicate");
        }
    }

    /** @return a builder with the defaults listed on its setters */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reopens this configuration, e.g. to change the topic of a host's defaults.
     *
     * @return a new builder holding this configuration's settings, client properties included;
     *     changing it never changes this configuration, and building it unchanged gives a config
     *     equal in every getter
     */
    public Builder toBuilder() {
        Builder b = new Builder().bootstrapServers(bootstrapServers).topic(topic).clientId(clientId)
                .deliveryTimeout(deliveryTimeout).requestTimeout(requestTimeout).maxBlock(maxBlock)
                .closeTimeout(closeTimeout);
        b.clientProperties.putAll(clientProperties); // already checked, in the order given
        return b;
    }

    /** @return the Kafka bootstrap servers, {@code host:port[,host:port...]} */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** @return the topic results go to */
    public String topic() {
        return topic;
    }

    /** @return the producer's client id */
    public String clientId() {
        return clientId;
    }

    /** @return extra producer properties (immutable); may contain credentials, never log values */
    public Map<String, String> clientProperties() {
        return clientProperties;
    }

    /** @return the producer's {@code delivery.timeout.ms}: how long a send is retried */
    public Duration deliveryTimeout() {
        return deliveryTimeout;
    }

    /** @return the producer's {@code request.timeout.ms} */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** @return the producer's {@code max.block.ms}: how long a send waits for metadata */
    public Duration maxBlock() {
        return maxBlock;
    }

    /** @return how long {@link KafkaResultPublisher#close()} waits for in-flight sends */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** @return the longest a {@link KafkaResultPublisher#publish} call waits for the broker's ack */
    public Duration publishTimeout() {
        // Metadata wait, then the record's own delivery timeout; a margin for the callback.
        return maxBlock.plus(deliveryTimeout).plusSeconds(1);
    }

    /** Names the client property keys, never their values (they may hold credentials). */
    @Override
    public String toString() {
        return "KafkaResultPublisherConfig[bootstrapServers=" + bootstrapServers + ", topic=" + topic
                + ", clientId=" + clientId + ", clientProperties=" + clientProperties.keySet()
                + ", deliveryTimeout=" + deliveryTimeout + ", requestTimeout=" + requestTimeout
                + ", maxBlock=" + maxBlock + ", closeTimeout=" + closeTimeout + "]";
    }

    /** Builds a {@link KafkaResultPublisherConfig}. Not thread-safe. */
    public static final class Builder {
        private String bootstrapServers;
        private String topic = "migrate-results";
        private String clientId = "migrate-results";
        private final Map<String, String> clientProperties = new LinkedHashMap<>();
        private Duration deliveryTimeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration maxBlock = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * @param bootstrapServers {@code host:port[,host:port...]} (required)
         * @return this
         */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /**
         * @param topic the topic results go to; default {@code migrate-results}
         * @return this
         */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /**
         * @param clientId the producer's client id (shows in broker logs and quotas); default
         *     {@code migrate-results}
         * @return this
         */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /**
         * Adds a Kafka producer property (for example {@code security.protocol},
         * {@code compression.type}). The serializers, {@code bootstrap.servers},
         * {@code client.id}, the timeouts and {@code transactional.id} are set by this config and
         * rejected here; {@code acks} may only be {@code all} and {@code enable.idempotence} only
         * {@code true}.
         *
         * @param key property name
         * @param value property value
         * @return this
         */
        public Builder clientProperty(String key, String value) {
            clientProperties.put(Require.nonBlank(PREFIX + "client.<key>", key), value);
            return this;
        }

        /**
         * @param properties producer properties to add, see {@link #clientProperty(String, String)}
         * @return this
         */
        public Builder clientProperties(Map<String, String> properties) {
            properties.forEach(this::clientProperty);
            return this;
        }

        /**
         * @param deliveryTimeout how long the producer retries one record ({@code
         *     delivery.timeout.ms}), longer than {@code requestTimeout}; default 30 s
         * @return this
         */
        public Builder deliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = deliveryTimeout;
            return this;
        }

        /**
         * @param requestTimeout one request's timeout ({@code request.timeout.ms}); default 10 s
         * @return this
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * @param maxBlock how long a send waits for topic metadata ({@code max.block.ms});
         *     default 10 s
         * @return this
         */
        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = maxBlock;
            return this;
        }

        /**
         * @param closeTimeout how long closing waits for records in flight; default 10 s
         * @return this
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /**
         * @return the config
         * @throws ConfigurationException naming the first invalid setting
         */
        public KafkaResultPublisherConfig build() {
            return new KafkaResultPublisherConfig(this);
        }
    }
}
