package io.migrate.kafka;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.internal.Lifecycle;
import io.migrate.result.ResultPublisher;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes task results to a Kafka topic with an idempotent producer ({@code acks=all},
 * {@code enable.idempotence=true}).
 *
 * <p>Each result is one record: key = task id (so every attempt of a task lands in one
 * partition, in order), headers {@value ResultMessages#HEADER_RESULT_ID} ({@code <task
 * id>#<attempt>}), {@value ResultMessages#HEADER_SCHEMA_VERSION} and
 * {@value ResultMessages#HEADER_CONTENT_TYPE}, value = the JSON of {@link ResultMessages}
 * (documented in {@code docs/result-messages.md}).
 *
 * <p>{@link #publish} returns only once the broker acknowledged the record (all in-sync
 * replicas have it) and throws {@link MigrateException} with {@link ErrorCode#PUBLISH_FAILED}
 * otherwise, within {@link KafkaResultPublisherConfig#publishTimeout()}. Delivery is at least
 * once: a record whose ack was lost, or a task re-published after a crash, arrives again with the
 * same result id, on which consumers dedupe.
 *
 * <p>Thread-safe: one producer is shared by all callers. After a non-retriable producer error
 * (the producer may be left in a fatal state) the producer is replaced before the next publish.
 */
public final class KafkaResultPublisher implements ResultPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaResultPublisher.class);

    private final KafkaResultPublisherConfig config;
    /** Guards {@link #producer} and the transition to CLOSED; never held across a send or a wait. */
    private final Object lock = new Object();
    private Producer<byte[], byte[]> producer;
    /** Open from construction; closed once, under {@link #lock} (issue 17). */
    private final Lifecycle lifecycle = Lifecycle.started("Kafka result publisher");

    /**
     * The one way to make the publisher, like every plug-in: {@code XPublisher.create(XConfig)}.
     * Creates the producer (it connects lazily, on the first publish).
     *
     * @param config the settings
     * @return the publisher; the caller closes it
     * @throws ConfigurationException if Kafka rejects the client properties
     */
    public static KafkaResultPublisher create(KafkaResultPublisherConfig config) {
        return new KafkaResultPublisher(config);
    }

    private KafkaResultPublisher(KafkaResultPublisherConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.producer = newProducer();
        LOG.info("Kafka result publisher created: {}", config);
    }

    /** @return the settings */
    public KafkaResultPublisherConfig config() {
        return config;
    }

    /**
     * Sends the result and waits for the broker's acknowledgement.
     *
     * @throws MigrateException with {@link ErrorCode#PUBLISH_FAILED} if the broker did not
     *     acknowledge in time, refused the record, or this publisher is closed; if the calling
     *     thread is interrupted the interrupt flag is kept and the cause is the
     *     {@link InterruptedException}
     */
    @Override
    public void publish(MigrationTask task, TaskResult result) {
        ProducerRecord<byte[], byte[]> record = record(task, result);
        Producer<byte[], byte[]> p = current();
        try {
            Future<RecordMetadata> sent = p.send(record);
            RecordMetadata md = sent.get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
            LOG.debug("Result {} acknowledged at {}-{}@{}", result.resultId(), md.topic(), md.partition(), md.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(result, "interrupted while waiting for the broker", e);
        } catch (TimeoutException e) {
            throw failed(result, "no acknowledgement within " + config.publishTimeout(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            replaceIfFatal(p, cause);
            throw failed(result, cause.toString(), cause);
        } catch (KafkaException e) {
            replaceIfFatal(p, e);
            throw failed(result, e.toString(), e);
        }
    }

    private ProducerRecord<byte[], byte[]> record(MigrationTask task, TaskResult result) {
        List<Header> headers = List.of(
                new RecordHeader(ResultMessages.HEADER_RESULT_ID, utf8(result.resultId())),
                new RecordHeader(ResultMessages.HEADER_SCHEMA_VERSION, utf8(Integer.toString(ResultMessages.SCHEMA_VERSION))),
                new RecordHeader(ResultMessages.HEADER_CONTENT_TYPE, utf8(ResultMessages.CONTENT_TYPE)));
        return new ProducerRecord<>(config.topic(), null, utf8(result.taskId()), ResultMessages.encode(task, result), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MigrateException failed(TaskResult result, String why, Throwable cause) {
        return new MigrateException(ErrorCode.PUBLISH_FAILED, "result " + result.resultId() + " not published: " + why, cause);
    }

    private Producer<byte[], byte[]> current() {
        synchronized (lock) {
            if (lifecycle.isClosed()) {
                throw new MigrateException(ErrorCode.PUBLISH_FAILED, "the Kafka result publisher is closed");
            }
            return producer;
        }
    }

    /**
     * A retriable error (broker down, leader moving) leaves the producer usable. Any other may
     * leave the idempotent producer in a fatal state in which every later send fails; a new
     * producer starts a new idempotence session, which costs nothing but a producer id.
     */
    private void replaceIfFatal(Producer<byte[], byte[]> failed, Throwable error) {
        if (error instanceof RetriableException) {
            return;
        }
        synchronized (lock) {
            if (lifecycle.isClosed() || producer != failed) {
                return;
            }
            producer = newProducer();
        }
        LOG.warn("Replacing the Kafka producer after a non-retriable error: {}", error.toString());
        failed.close(Duration.ZERO);
    }

    private Producer<byte[], byte[]> newProducer() {
        Properties props = new Properties();
        props.putAll(config.clientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.clientId());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(config.deliveryTimeout().toMillis()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(config.requestTimeout().toMillis()));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.maxBlock().toMillis()));
        try {
            return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            ConfigurationException ce =
                    new ConfigurationException("clientProperties", "rejected by the Kafka producer: " + e.getMessage());
            ce.initCause(e);
            throw ce;
        }
    }

    /** Flushes records in flight for up to the close timeout and closes the producer. Idempotent. */
    @Override
    public void close() {
        Producer<byte[], byte[]> p;
        synchronized (lock) {
            if (!lifecycle.close()) {
                return;
            }
            p = producer;
        }
        p.close(config.closeTimeout());
        LOG.info("Kafka result publisher closed");
    }
}
