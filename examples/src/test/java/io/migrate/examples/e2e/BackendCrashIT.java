package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.FileEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 1: backends SIGKILLed at random every 3-6 s during a large run, each restarted at
 * once; nothing is lost, nothing torn, one result per attempt. The next kill waits until the last
 * restarted backend has committed a task (or nothing is left to do): on a loaded machine a JVM
 * restarts slower than 3-6 s, and killing faster than backends recover only stalls the run.
 */
@E2e
class BackendCrashIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void randomBackendKilledEveryFewSecondsLosesNothing(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        int tasks = Workload.scaled(200);
        int filesPerTask = 20;
        try (E2eCluster c = E2eCluster.create("backend-crash", dir, servers,
                E2eCluster.Ha.ZOOKEEPER, 2, 3, Map.of())) {
            Workload w = new Workload(c, BackendCrashIT.class);
            // Small files are one quick PUT each: held a little, so kills land mid-upload and the
            // run lasts long enough for several of them.
            UploadTracker.holdUploads(c.proxyA);
            UploadTracker.holdUploads(c.proxyB);
            c.startAll();
            for (int t = 0; t < tasks; t++) {
                List<FileEntry> entries = w.writeFiles("t" + t, filesPerTask, 256, 8 * 1024);
                w.submit(entries);
            }
            String[] restarted = {null};
            Chaos chaos = Chaos.every(w.random, 3_000, 6_000, () -> {
                String last = restarted[0];
                if (last != null) {
                    EndState.awaitProgress(c, "restarted " + last + " committing a task",
                            () -> c.didWork(last) || EndState.settled(c.store), () -> EndState.progress(c));
                }
                String victim = c.backends.get(w.random.nextInt(c.backends.size()));
                c.restart(victim);
                restarted[0] = victim;
            });
            try {
                EndState.awaitSettled(c);
            } finally {
                chaos.close();
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertThat(c.kills()).as("backends were killed during the run").isPositive();
            assertThat(r.failed()).as("no task gave up").isEmpty();
        }
    }
}
