package io.migrate.benchmarks;

import io.migrate.ha.HighAvailability;
import io.migrate.move.MoverConfig;
import io.migrate.node.MigrationNode;
import io.migrate.result.ResultPublisher;
import io.migrate.task.FileEntry;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Submit → result latency of a one-file task on an idle node that is both manager and backend,
 * every setting at its default (dispatch tick, worker poll, heartbeat, outbox poll): the time
 * from {@code submit} returning the id to the publisher being handed the task's result. The
 * answer to "how long does a host wait for a tiny task", not a throughput figure.
 *
 * <p>Run: {@code mvn -B -ntp -q -pl benchmarks -am package -DskipTests} then
 * {@code java -cp benchmarks/target/benchmarks.jar io.migrate.benchmarks.SubmitLatency [runs]}.
 * Between runs the node idles 3 s (longer than the default 1 s worker and outbox polls, shorter
 * than the 5 s dispatch tick), so each run starts from a random place in the tick.
 */
public final class SubmitLatency {
    private SubmitLatency() {
    }

    /**
     * @param args optional number of runs (default 7)
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path work = Files.createTempDirectory("migrate-latency");
        Path source = Files.createDirectories(work.resolve("source"));
        Path target = Files.createDirectories(work.resolve("target"));
        Path taskRoot = work.resolve("task-root");
        Map<String, Long> publishedAt = new ConcurrentHashMap<>();
        ResultPublisher timing = (task, result) -> publishedAt.putIfAbsent(result.taskId(), System.nanoTime());
        HighAvailability ha = HighAvailability.fromProperties("node-1", taskRoot, Map.of(
                "ha.type", "static", "ha.static.leader", "node-1"));
        List<Double> millis = new ArrayList<>();
        try (MigrationNode node = MigrationNode.builder()
                .nodeId("node-1")
                .taskRoot(taskRoot)
                .highAvailability(ha.election(), ha.membership())
                .transport(PosixTransport.create(PosixTransportConfig.of(target)))
                .moverConfig(MoverConfig.builder().allowSourceRoot(source).build())
                .publisher(timing)
                .build()) {
            node.start();
            Thread.sleep(3000); // idle: the node's first heartbeat, tick and polls are behind it
            for (int i = 0; i < runs; i++) {
                String rel = "file-" + i + ".dat";
                Files.write(source.resolve(rel), new byte[64 * 1024]);
                long start = System.nanoTime();
                String id = node.submitter().submit(source.toString(), List.of(new FileEntry(rel, rel)), Map.of());
                long deadline = start + TimeUnit.SECONDS.toNanos(60);
                while (!publishedAt.containsKey(id) && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                Long end = publishedAt.get(id);
                if (end == null) {
                    throw new IllegalStateException("no result for " + id + " within 60 s");
                }
                double ms = (end - start) / 1e6;
                millis.add(ms);
                System.out.printf("run %d: %.0f ms%n", i + 1, ms);
                Thread.sleep(3000);
            }
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf("submit -> result, 1 file of 64 KiB, %d runs: median %.0f ms, min %.0f ms, max %.0f ms%n",
                runs, sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
    }
}
