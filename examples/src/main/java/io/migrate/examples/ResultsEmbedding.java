package io.migrate.examples;

import io.migrate.ha.HighAvailability;
import io.migrate.kafka.KafkaResultPublisher;
import io.migrate.kafka.KafkaResultPublisherConfig;
import io.migrate.move.MoverConfig;
import io.migrate.node.MigrationNode;
import io.migrate.node.TaskHandle;
import io.migrate.result.LoggingResultPublisher;
import io.migrate.result.ResultPublisher;
import io.migrate.task.FileEntry;
import io.migrate.task.TaskResult;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * How a host learns what became of its tasks, three ways at once: results published to Kafka
 * (the management software's durable feed), an in-process listener beside it, and the future of
 * the submitted task. Runs on its own: a one-node cluster on a temporary directory, POSIX to
 * POSIX, one file present and one missing, so the outcome is {@code PARTIALLY_FAILED} with
 * {@code SOURCE_NOT_FOUND}. Copy and adapt.
 *
 * <pre>
 * java -cp examples/target/migrate-examples.jar io.migrate.examples.ResultsEmbedding [kafka-bootstrap [topic]]
 * </pre>
 * Without arguments results go to the log instead of Kafka.
 */
public final class ResultsEmbedding {
    private ResultsEmbedding() {
    }

    /**
     * @param args optional Kafka bootstrap servers and topic (default {@code migrate-results})
     * @throws Exception if the task does not end within a minute
     */
    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? args[0] : null, args.length > 1 ? args[1] : "migrate-results", System.out::println);
    }

    /**
     * @param kafkaBootstrap Kafka bootstrap servers, or null to log results
     * @param topic the results topic
     * @param out where the example prints
     * @return the final result of the submitted task
     * @throws IOException if the sample files cannot be written
     * @throws InterruptedException if interrupted while waiting
     * @throws ExecutionException if the result cannot be learnt
     * @throws TimeoutException if the task does not end within a minute
     */
    static TaskResult run(String kafkaBootstrap, String topic, Consumer<String> out)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        Path work = Files.createTempDirectory("migrate-results-example");
        Path source = Files.createDirectories(work.resolve("source"));
        Files.writeString(source.resolve("report.txt"), "quarterly numbers");
        Path taskRoot = work.resolve("task-root");

        ResultPublisher publisher = kafkaBootstrap == null ? new LoggingResultPublisher()
                : KafkaResultPublisher.create(KafkaResultPublisherConfig.builder()
                        .bootstrapServers(kafkaBootstrap).topic(topic).build());
        HighAvailability ha = HighAvailability.fromProperties("node-1", taskRoot,
                Map.of("ha.type", "static", "ha.static.leader", "node-1"));
        try (MigrationNode node = MigrationNode.builder()
                .nodeId("node-1")
                .taskRoot(taskRoot)
                .highAvailability(ha.election(), ha.membership())
                .transport(PosixTransport.create(PosixTransportConfig.of(Files.createDirectories(work.resolve("target")))))
                .moverConfig(MoverConfig.builder().allowSourceRoot(source).build())
                .publisher(publisher) // 1. Kafka: every result this node publishes, at least once
                .build()) {
            // 2. An in-process listener beside the publisher (called on the outbox thread: be quick).
            node.onResult((task, r) -> out.accept("listener: " + r.resultId() + " " + r.outcome()
                    + (task == null ? "" : " request " + task.attributes().get("requestId"))));
            node.start();

            // 3. The future: the final result of this task and of any retry of it.
            TaskHandle handle = node.submit(source.toString(),
                    List.of(new FileEntry("report.txt", "archive/report.txt"),
                            new FileEntry("missing.txt", "archive/missing.txt")),
                    Map.of("requestId", "req-4711"));
            out.accept("submitted " + handle.taskId());
            TaskResult result = handle.result().get(1, TimeUnit.MINUTES);
            out.accept("task " + handle.taskId() + " ended " + result.outcome() + " (final " + result.isFinal()
                    + "), failed files by code " + result.countsByCode());
            // After a restart, ask again with the id: node.result(id) reads it from the task root.
            out.accept("status: " + node.status().status(handle.taskId()).orElseThrow());
            return result;
        }
    }
}
