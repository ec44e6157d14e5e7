/**
 * Task results to Kafka: {@link io.migrate.kafka.KafkaResultPublisher}, a
 * {@link io.migrate.result.ResultPublisher} on kafka-clients, its configuration and the message
 * format ({@link io.migrate.kafka.ResultMessages}, {@code docs/result-messages.md}).
 */
package io.migrate.kafka;
