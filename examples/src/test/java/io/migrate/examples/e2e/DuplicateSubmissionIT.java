package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.task.FileEntry;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 5: the storage platform retries, so the same file batch arrives again as a different
 * task: right behind the original (same affinity group, so the same node) and later while the
 * original still runs. Every upload request passes a {@link FaultProxy}, whose
 * {@link UploadTracker} sees each key's uploads from every node, so a file uploaded by two
 * attempts at once is caught whichever processes send them. Uploads are slowed down a little so
 * the original is still running when its duplicate arrives.
 */
@E2e
class DuplicateSubmissionIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void duplicateBatchesRightBehindTheOriginalAreNeverMovedTwiceAtOnce(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("duplicates", dir, servers, E2eCluster.Ha.ZOOKEEPER, 1, 3, Map.of())) {
            Workload w = new Workload(c, DuplicateSubmissionIT.class);
            slowUploads(c);
            c.startAll();
            int batches = Workload.scaled(12);
            List<String> ids = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                List<FileEntry> batch = w.writeFiles("dup" + b, 20, 256, 8 * 1024);
                ids.add(w.submit(batch));
                ids.add(w.submit(batch)); // the platform's retry, right behind: same affinity group
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertThat(c.uploads.overlaps()).as("keys uploaded by two attempts at once").isEmpty();
            assertBothGotResults(r, ids);
            System.out.println("E2E duplicates: uploads=" + c.uploads.uploads() + " for "
                    + w.expected().size() + " distinct files");
        }
    }

    /**
     * A duplicate submitted while its original is already in a node's inbox or running: the leader
     * finds its files in its index of in-flight files and sends it to that node (even past the
     * backlog threshold), where the in-flight dedup moves each shared file once, or skips it as
     * committed. Without that it would be dispatched by backlog to another node and two nodes would
     * upload the same files at once.
     */
    @Test
    void duplicateBatchesArrivingWhileTheOriginalRunsAreNeverMovedTwiceAtOnce(SharedServers servers)
            throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("duplicates-late", dir, servers, E2eCluster.Ha.ZOOKEEPER, 1, 3,
                Map.of())) {
            Workload w = new Workload(c, DuplicateSubmissionIT.class);
            slowUploads(c);
            c.startAll();
            TaskStatusView status = TaskStatusView.of(c.store);
            int batches = Workload.scaled(6);
            List<String> ids = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                List<FileEntry> batch = w.writeFiles("late" + b, 20, 256, 8 * 1024);
                String original = w.submit(batch);
                ids.add(original);
                await("original running").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> status.status(original).map(s -> s.state() == TaskState.RUNNING).orElse(false));
                ids.add(w.submit(batch)); // the platform's retry while the original runs
            }
            EndState.Report r = EndState.verify(c, w, t0);
            assertBothGotResults(r, ids);
            Map<String, String> nodeOf = new java.util.TreeMap<>();
            r.results().forEach(j -> nodeOf.put(j.get("taskId").asText(), j.get("node").asText()));
            System.out.println("E2E duplicates-late: node per task (original, duplicate, ...) "
                    + ids.stream().map(id -> id + "@" + nodeOf.get(id)).toList());
            assertThat(c.uploads.overlaps()).as("keys uploaded by two attempts at once").isEmpty();
        }
    }

    /** Holds every upload a little so tasks run long enough to overlap (and direct PUTs are tracked). */
    private static void slowUploads(E2eCluster c) {
        UploadTracker.holdUploads(c.proxyA);
        UploadTracker.holdUploads(c.proxyB);
    }

    private static void assertBothGotResults(EndState.Report r, List<String> ids) {
        List<String> resultTasks = r.results().stream().map(j -> j.get("taskId").asText()).toList();
        assertThat(resultTasks).as("every original and duplicate task has a result in Kafka").containsAll(ids);
        r.results().forEach(j -> assertThat(j.get("summary").get("failed").asLong())
                .as("result %s has no failed file", j.get("resultId").asText()).isZero());
    }
}
