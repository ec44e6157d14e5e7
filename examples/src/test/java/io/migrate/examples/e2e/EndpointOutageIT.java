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
 * Scenario 3: one of the two S3 endpoints of the destination stops mid-run and comes back: the
 * movers fail over to the other one, take the returning one back after its health check, and
 * nothing is lost or left behind.
 */
@E2e
class EndpointOutageIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void endpointStoppedMidRunAndRestartedLosesNothing(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("endpoint-outage", dir, servers, E2eCluster.Ha.ZOOKEEPER, 1, 3,
                Map.of())) {
            Workload w = new Workload(c, EndpointOutageIT.class);
            c.startAll();
            int tasks = Workload.scaled(80);
            int third = tasks / 3;
            for (int t = 0; t < third; t++) {
                w.submit(w.writeFiles("a" + t, 10, 256, 16 * 1024));
            }
            await("run under way").atMost(Duration.ofSeconds(90))
                    .until(() -> c.count("archive") >= 3);
            c.stopEndpointB();
            long archivedAtStop = c.count("archive");
            // A third arrives during the outage, so there is work however fast the first went.
            for (int t = third; t < 2 * third; t++) {
                w.submit(w.writeFiles("b" + t, 10, 256, 16 * 1024));
            }
            await("work goes on through the other endpoint").atMost(Duration.ofSeconds(90))
                    .until(() -> c.count("archive") >= archivedAtStop + 5);
            c.restartEndpointB();
            long writesAtRestart = c.proxyB.forwardedWrites();
            for (int t = 2 * third; t < tasks; t++) {
                w.submit(w.writeFiles("c" + t, 10, 256, 16 * 1024));
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertThat(r.failed()).as("no task gave up").isEmpty();
            assertThat(c.proxyB.forwardedWrites()).as("the restarted endpoint takes uploads again")
                    .isGreaterThan(writesAtRestart);
        }
    }
}
