package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 4: the Kafka broker is SIGKILLed mid-run and restarted later: results wait in
 * {@code done/} (the outbox) while it is down, and every attempt's result arrives once it is
 * back; migration itself never stops.
 */
@E2e
class KafkaOutageIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void brokerKilledMidRunAndRestartedDeliversEveryResult(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("kafka-outage", dir, servers, E2eCluster.Ha.ZOOKEEPER, 1, 3,
                Map.of())) {
            Workload w = new Workload(c, KafkaOutageIT.class);
            c.startAll();
            int tasks = Workload.scaled(60);
            for (int t = 0; t < tasks / 2; t++) {
                w.submit(w.writeFiles("a" + t, 10, 256, 8 * 1024));
            }
            await("run under way").atMost(Duration.ofSeconds(90))
                    .until(() -> c.count("archive") >= 3);
            try {
                servers.kafka.stop();
                // The other half arrives during the outage, so there is work however fast the first went.
                for (int t = tasks / 2; t < tasks; t++) {
                    w.submit(w.writeFiles("b" + t, 10, 256, 8 * 1024));
                }
                // Work goes on; results pile up in done/ instead of being lost.
                await("results wait in done/ while Kafka is down").atMost(Duration.ofSeconds(90))
                        .until(() -> c.count("done") >= 5);
            } finally {
                servers.kafka.start();
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertThat(r.failed()).as("no task gave up").isEmpty();
        }
    }
}
