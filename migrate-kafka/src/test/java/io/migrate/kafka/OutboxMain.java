package io.migrate.kafka;

import io.migrate.result.ResultOutbox;
import io.migrate.result.ResultPublisher;
import io.migrate.task.DirectoryTaskStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A publishing backend in a child JVM for crash tests: drains a task root's {@code done/} and {@code failed/} to
 * Kafka until it is killed. Arguments: {@code <task root> <bootstrap servers> <topic>
 * [<pause after n>]}. With the fourth argument, the n-th publication, once acknowledged by the
 * broker, prints {@code ACKED-NOT-ARCHIVED <result id>} and blocks: the test's SIGKILL then lands
 * exactly between send and archive.
 */
public final class OutboxMain {
    private OutboxMain() {
    }

    /**
     * @param args task root, bootstrap servers, topic
     * @throws InterruptedException never in practice: the test kills this JVM
     */
    public static void main(String[] args) throws InterruptedException {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(Path.of(args[0])).build();
        KafkaResultPublisher kafka = KafkaResultPublisher.create(KafkaResultPublisherConfig.builder()
                .bootstrapServers(args[1]).topic(args[2]).clientId("crash-child").build());
        int pauseAfter = args.length > 3 ? Integer.parseInt(args[3]) : Integer.MAX_VALUE;
        AtomicInteger published = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        ResultPublisher publisher = (task, result) -> {
            kafka.publish(task, result);
            if (published.incrementAndGet() == pauseAfter) {
                System.out.println("ACKED-NOT-ARCHIVED " + result.resultId());
                System.out.flush();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ResultOutbox outbox = ResultOutbox.builder().store(store).publisher(publisher).node("node-a")
                .pollInterval(Duration.ofMillis(100)).build();
        outbox.start();
        System.out.println("OUTBOX STARTED");
        never.await();
    }
}
