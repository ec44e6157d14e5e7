package io.migrate.examples;

import io.migrate.dispatch.DispatchConfig;
import io.migrate.error.ErrorCode;
import io.migrate.ha.HighAvailability;
import io.migrate.move.MoverConfig;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeRole;
import io.migrate.s3.S3Transport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.task.FileEntry;
import io.migrate.task.FileResult;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import io.migrate.worker.WorkerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The demo behind {@code migrate demo}: an embedded S3 server on 127.0.0.1, sample files, one
 * manager and several backends in this JVM with static leadership, every file migrated and
 * verified against its source, and a summary. Used by the CLI and by a test with small sizes.
 */
final class Demo {
    static final String BUCKET = "migrate-demo";

    /**
     * What to run.
     *
     * @param workDir where the sources, the task root and the S3 store live
     * @param smallFiles how many small files
     * @param smallMaxBytes their largest size (sizes are random up to it)
     * @param largeFiles how many large files (split into ranges, sent as multipart uploads)
     * @param largeBytes the size of each large file
     * @param backends how many backend nodes
     * @param filesPerTask files per task
     * @param seed random seed for the sample files
     * @param progress whether to draw the live progress bar
     */
    record Options(Path workDir, int smallFiles, long smallMaxBytes, int largeFiles, long largeBytes, int backends,
            int filesPerTask, long seed, boolean progress) {
    }

    /**
     * What happened.
     *
     * @param tasks tasks submitted
     * @param files files submitted
     * @param bytes bytes submitted
     * @param elapsed from the first submit to the last result published
     * @param bytesPerNode bytes each backend sent
     * @param filesPerNode files each backend finished
     * @param failures failed files by code
     * @param verified objects read back and equal to their source
     * @param mismatched objects missing or different
     */
    record Summary(int tasks, int files, long bytes, Duration elapsed, Map<String, Long> bytesPerNode,
            Map<String, Long> filesPerNode, Map<ErrorCode, Long> failures, int verified, int mismatched) {
        boolean ok() {
            return failures.isEmpty() && mismatched == 0 && verified == files;
        }
    }

    private Demo() {
    }

    static Summary run(Options o, PrintStream out) throws Exception {
        Path source = Files.createDirectories(o.workDir().resolve("source"));
        Path taskRoot = Files.createDirectories(o.workDir().resolve("task-root"));
        out.printf("migrate demo: work dir %s%n", o.workDir());
        List<FileEntry> entries = createSampleFiles(source, o);
        long totalBytes = 0;
        for (FileEntry e : entries) {
            totalBytes += Files.size(source.resolve(e.sourcePath()));
        }
        out.printf("created %d sample files, %s, seed %d%n", entries.size(), mib(totalBytes), o.seed());

        try (EmbeddedS3 s3 = EmbeddedS3.startFilesystem(o.workDir().resolve("s3-store"), BUCKET)) {
            out.printf("embedded S3 server (S3Proxy) on %s, bucket %s%n", s3.endpoint(), BUCKET);
            Map<String, MigrationNode> nodes = new LinkedHashMap<>();
            try {
                nodes.put("manager", node("manager", taskRoot, source, s3.endpoint(), nodes, true));
                for (int i = 1; i <= o.backends(); i++) {
                    String id = "backend-" + i;
                    nodes.put(id, node(id, taskRoot, source, s3.endpoint(), nodes, false));
                }
                nodes.values().forEach(MigrationNode::start);
                out.printf("started 1 manager and %d backends (static leadership: manager)%n", o.backends());

                MigrationNode manager = nodes.get("manager");
                long start = System.nanoTime();
                List<String> taskIds = new ArrayList<>();
                for (int from = 0; from < entries.size(); from += o.filesPerTask()) {
                    List<FileEntry> batch = entries.subList(from, Math.min(entries.size(), from + o.filesPerTask()));
                    taskIds.add(manager.submitter().submit(source.toString(), batch, Map.of("demo", "true")));
                }
                out.printf("submitted %d tasks%n", taskIds.size());
                awaitQuiet(manager.status(), nodes, totalBytes, entries.size(), taskIds.size(), o.progress(), out);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

                Map<String, Long> bytesPerNode = new TreeMap<>();
                Map<String, Long> filesPerNode = new TreeMap<>();
                nodes.forEach((id, n) -> {
                    if (n.roles().contains(NodeRole.BACKEND)) {
                        bytesPerNode.put(id, n.metrics().bytesSent());
                        filesPerNode.put(id, n.metrics().filesDone());
                    }
                });
                Map<ErrorCode, Long> failures = failures(manager);
                int[] check = verify(s3.endpoint(), source, entries);
                return new Summary(taskIds.size(), entries.size(), totalBytes, elapsed, bytesPerNode, filesPerNode,
                        failures, check[0], check[1]);
            } finally {
                for (MigrationNode n : nodes.values()) {
                    n.close();
                }
            }
        }
    }

    private static MigrationNode node(String id, Path taskRoot, Path source, URI s3, Map<String, MigrationNode> nodes,
            boolean manager) {
        HighAvailability ha = HighAvailability.fromProperties(id, taskRoot, Map.of(
                "ha.type", "static",
                "ha.static.leader", "manager",
                "ha.heartbeat.interval", "500ms",
                "ha.heartbeat.nodeLease", "15s"));
        MigrationNode.Builder b = MigrationNode.builder()
                .nodeId(id)
                .taskRoot(taskRoot)
                .highAvailability(ha.election(), ha.membership())
                // Nodes in one JVM: wake the target's worker instead of waiting for its next poll.
                .notifier((target, ids) -> {
                    MigrationNode n = nodes.get(target);
                    if (n != null) {
                        n.wakeUp();
                    }
                })
                .dispatchConfig(DispatchConfig.builder()
                        .dispatchTick(Duration.ofMillis(300))
                        .reclaimTick(Duration.ofSeconds(5))
                        .nodeLease(Duration.ofSeconds(15))
                        .build())
                .workerConfig(WorkerConfig.builder().concurrency(2).pollInterval(Duration.ofMillis(500)).build())
                .outboxPollInterval(Duration.ofMillis(200));
        if (manager) {
            return b.roles(NodeRole.MANAGER).build();
        }
        return b.roles(NodeRole.BACKEND)
                .transport(S3Transport.create(S3TransportConfig.builder()
                        .endpoint(s3)
                        .bucket(BUCKET)
                        .credentials(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)
                        .build()))
                .moverConfig(MoverConfig.builder()
                        .threads(4)
                        .rangeSize(8L << 20)
                        .maxInFlightBytes(64L << 20)
                        .allowSourceRoot(source)
                        .build())
                .build();
    }

    private static List<FileEntry> createSampleFiles(Path source, Options o) throws IOException {
        Random random = new Random(o.seed());
        List<FileEntry> entries = new ArrayList<>();
        for (int i = 0; i < o.smallFiles(); i++) {
            String rel = "projects/p" + (i % 7) + "/dir " + (i % 13) + "/file-" + i + ".dat";
            write(source.resolve(rel), (long) (random.nextDouble() * o.smallMaxBytes()), random);
            entries.add(new FileEntry(rel, "demo/" + rel));
        }
        for (int i = 0; i < o.largeFiles(); i++) {
            String rel = "projects/large/video-" + i + ".bin";
            write(source.resolve(rel), o.largeBytes() + i * 12_345L, random);
            entries.add(new FileEntry(rel, "demo/" + rel));
        }
        return entries;
    }

    private static void write(Path file, long size, Random random) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] chunk = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long left = size;
            while (left > 0) {
                random.nextBytes(chunk);
                ByteBuffer buf = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, left));
                while (buf.hasRemaining()) {
                    left -= ch.write(buf);
                }
            }
        }
    }

    /** Waits until nothing is pending, assigned, running or unpublished, drawing progress meanwhile. */
    private static void awaitQuiet(TaskStatusView status, Map<String, MigrationNode> nodes, long totalBytes,
            int totalFiles, int tasks, boolean bar, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        long started = System.nanoTime();
        long lastLine = 0;
        while (true) {
            TaskStatusView.Snapshot s = status.snapshot();
            long sent = 0;
            long files = 0;
            for (MigrationNode n : nodes.values()) {
                sent += n.metrics().bytesSent();
                files += n.metrics().filesDone();
            }
            boolean quiet = s.count(TaskState.PENDING) + s.count(TaskState.INBOX) + s.count(TaskState.RUNNING)
                    + s.count(TaskState.DONE) + s.count(TaskState.INCOMING) == 0
                    && s.count(TaskState.ARCHIVED) + s.count(TaskState.FAILED) >= tasks;
            long now = System.nanoTime();
            if (bar || quiet || now - lastLine > 5_000_000_000L) {
                double seconds = Math.max(1e-3, (now - started) / 1e9);
                String line = progressLine(Math.min(sent, totalBytes), totalBytes, files, totalFiles, sent / seconds, s);
                if (bar) {
                    out.print("\r" + line);
                } else {
                    out.println(line);
                }
                lastLine = now;
            }
            if (quiet) {
                if (bar) {
                    out.println();
                }
                return;
            }
            if (now > deadline) {
                throw new IllegalStateException("demo did not finish within 30 minutes: " + s.counts());
            }
            Thread.sleep(200); // paces the progress display; completion is the condition above
        }
    }

    static String progressLine(long done, long total, long files, int totalFiles, double bytesPerSecond,
            TaskStatusView.Snapshot s) {
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        char[] barChars = new char[width];
        Arrays.fill(barChars, 0, filled, '#');
        Arrays.fill(barChars, filled, width, '.');
        return String.format("[%s] %3d%% %s/%s %6.1f MiB/s files %d/%d tasks: %d pending %d running %d archived  ",
                new String(barChars), total == 0 ? 100 : 100 * done / total, mib(done), mib(total),
                bytesPerSecond / (1 << 20), Math.min(files, totalFiles), totalFiles,
                s.count(TaskState.PENDING) + s.count(TaskState.INBOX), s.count(TaskState.RUNNING),
                s.count(TaskState.ARCHIVED));
    }

    private static Map<ErrorCode, Long> failures(MigrationNode manager) {
        Map<ErrorCode, Long> out = new TreeMap<>();
        for (TaskState state : List.of(TaskState.ARCHIVED, TaskState.FAILED)) {
            try (Stream<TaskRef> refs = manager.store().list(state)) {
                refs.forEach(ref -> manager.store().read(ref).flatMap(StoredTask::result).map(TaskResult::files)
                        .ifPresent(files -> {
                            for (FileResult f : files) {
                                if (!f.succeeded()) {
                                    out.merge(f.code(), 1L, Long::sum);
                                }
                            }
                        }));
            }
        }
        return out;
    }

    /** Reads every object back and compares it with its source, byte for byte. */
    private static int[] verify(URI endpoint, Path source, List<FileEntry> entries) throws IOException {
        Map<Boolean, Integer> counts = new ConcurrentHashMap<>();
        try (S3Client client = S3Client.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)))
                .build()) {
            for (FileEntry e : entries) {
                boolean same;
                try (InputStream object = client.getObject(r -> r.bucket(BUCKET).key(e.targetKey()));
                        InputStream file = Files.newInputStream(source.resolve(e.sourcePath()))) {
                    same = sameContent(object, file);
                } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException missing) {
                    same = false;
                }
                counts.merge(same, 1, Integer::sum);
            }
        }
        return new int[] {counts.getOrDefault(true, 0), counts.getOrDefault(false, 0)};
    }

    private static boolean sameContent(InputStream a, InputStream b) throws IOException {
        byte[] x = new byte[1 << 16];
        byte[] y = new byte[1 << 16];
        while (true) {
            int n = a.readNBytes(x, 0, x.length);
            int m = b.readNBytes(y, 0, y.length);
            if (n != m || !Arrays.equals(x, 0, n, y, 0, m)) {
                return false;
            }
            if (n == 0) {
                return true;
            }
        }
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (double) (1 << 20));
    }
}
