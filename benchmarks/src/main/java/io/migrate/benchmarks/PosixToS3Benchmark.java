package io.migrate.benchmarks;

import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.s3.S3Transport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.worker.ExecutionContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * POSIX → S3, one large file to a local S3 server (S3Proxy 4.1.0 in this JVM, filesystem
 * store), in one run: the S3 transport driven by the {@link ParallelFileMover} versus a single
 * {@code PutObject} versus the SDK's {@link S3TransferManager} (async Netty client, multipart).
 * Contenders alternate within each round so drift on a shared machine hits all of them alike.
 * Each upload goes to a fresh key; its object is deleted afterwards. Round 0 warms the JIT and is
 * not counted. After each single PutObject the same object is copied server-side once, which is
 * what the transport's commit (CopyObject from the temporary key) costs on this server.
 *
 * <p>Usage: {@code java -cp ... io.migrate.benchmarks.PosixToS3Benchmark [sizeMiB=1024] [rounds=3]
 * [moverThreads=4] [rangeMiB=16] [workDir] [contenders=mover,direct,put,tm]}. {@code direct} is the
 * transport with {@code directMultipartCommit(true)} (completes on the final key, no copy). Results in {@code docs/performance.md}.
 */
public final class PosixToS3Benchmark {
    private static final long MIB = 1024 * 1024;
    private static final String BUCKET = "bench";

    private PosixToS3Benchmark() {
    }

    /**
     * @param args size in MiB, rounds, mover threads, range size in MiB, work directory
     * @throws Exception on any failure (the benchmark stops)
     */
    public static void main(String[] args) throws Exception {
        int rc = 1;
        try {
            run(args);
            rc = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            // SDK and Jetty threads must not keep a failed benchmark alive.
            System.exit(rc);
        }
    }

    private static void run(String[] args) throws Exception {
        long sizeMiB = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        long rangeMiB = args.length > 3 ? Long.parseLong(args[3]) : 16;
        Path work = args.length > 4 ? Path.of(args[4]) : Files.createTempDirectory("migrate-bench-s3");
        List<String> only = args.length > 5 ? List.of(args[5].split(",")) : List.of("mover", "direct", "put", "tm");
        Path src = Files.createDirectories(work.resolve("src"));
        Path file = src.resolve("big.bin");
        writeRandom(file, sizeMiB * MIB);
        System.out.printf("file %d MiB, %d rounds, mover %d threads x %d MiB ranges, %d cores, %s%n", sizeMiB, rounds,
                threads, rangeMiB, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));

        Map<String, List<Double>> results = new LinkedHashMap<>();
        try (EmbeddedS3 server = EmbeddedS3.startFilesystemLenient(work.resolve("store"), BUCKET);
             S3Client sync = syncClient(server.endpoint());
             S3AsyncClient async = asyncClient(server.endpoint());
             S3TransferManager tm = S3TransferManager.builder().s3Client(async).build();
             S3Transport transport = S3Transport.create(S3TransportConfig.builder().endpoint(server.endpoint())
                     .bucket(BUCKET).credentials(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)
                     .sessionsPerEndpoint(threads).staleUploadSweepInterval(Duration.ZERO)
                     .directMultipartCommit(false).build()); // "mover" = the temporary key + copy commit
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(threads).rangeSize(rangeMiB * MIB).build()).build();
             S3Transport directTransport = S3Transport.create(transport.config().toBuilder()
                     .directMultipartCommit(true).build());
             ParallelFileMover directMover = ParallelFileMover.builder(directTransport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(threads).rangeSize(rangeMiB * MIB).build()).build()) {
            mover.start();
            directMover.start();
            long size = Files.size(file);
            for (int round = 0; round <= rounds; round++) {
                List<String> order = List.of("mover+S3Transport", "single PutObject", "S3TransferManager",
                        "mover+S3Transport direct commit");
                List<String> codes = List.of("mover", "put", "tm", "direct");
                for (int i = 0; i < order.size(); i++) {
                    String who = order.get((i + round) % order.size());
                    if (!only.contains(codes.get(order.indexOf(who)))) {
                        continue;
                    }
                    String key = "bench/" + UUID.randomUUID();
                    long t0 = System.nanoTime();
                    try {
                        upload(who, key, file, src, who.equals(order.get(3)) ? directMover : mover, sync, tm);
                    } catch (RuntimeException e) {
                        System.out.printf("round %d  %-20s FAILED: %s%n", round, who, e);
                        continue;
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    long stored = sync.headObject(b -> b.bucket(BUCKET).key(key)).contentLength();
                    if (stored != size) {
                        throw new IllegalStateException(who + " stored " + stored + " bytes of " + size);
                    }
                    if (who.equals(order.get(1))) {
                        // What the transport's commit costs on this server: one server-side copy.
                        String copy = key + ".copy";
                        long c0 = System.nanoTime();
                        sync.copyObject(b -> b.sourceBucket(BUCKET).sourceKey(key).destinationBucket(BUCKET)
                                .destinationKey(copy));
                        double csecs = (System.nanoTime() - c0) / 1e9;
                        sync.deleteObject(b -> b.bucket(BUCKET).key(copy));
                        System.out.printf("round %d  %-20s %7.2f s  (server-side CopyObject of the same object)%n",
                                round, "CopyObject", csecs);
                        if (round > 0) {
                            results.computeIfAbsent("server-side CopyObject (commit cost)", k -> new ArrayList<>())
                                    .add(size / (double) MIB / csecs);
                        }
                    }
                    sync.deleteObject(b -> b.bucket(BUCKET).key(key));
                    double mibs = size / (double) MIB / secs;
                    System.out.printf("round %d  %-20s %7.2f s  %7.1f MiB/s%s%n", round, who, secs, mibs,
                            round == 0 ? "  (warm-up, not counted)" : "");
                    if (round > 0) {
                        results.computeIfAbsent(who, k -> new ArrayList<>()).add(mibs);
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| contender | median MiB/s | runs (MiB/s) |");
        System.out.println("|---|---:|---|");
        results.forEach((who, v) -> {
            List<Double> s = new ArrayList<>(v);
            s.sort(Comparator.naturalOrder());
            System.out.printf("| %s | %.1f | %s |%n", who, s.get(s.size() / 2),
                    v.stream().map(x -> String.format("%.1f", x)).toList());
        });
    }

    private static void upload(String who, String key, Path file, Path src, ParallelFileMover mover, S3Client sync,
            S3TransferManager tm) throws InterruptedException {
        switch (who) {
            case "mover+S3Transport", "mover+S3Transport direct commit" -> {
                MigrationTask task = MigrationTask.builder().sourceRoot(src.toString())
                        .addFile("big.bin", key).build();
                TaskResult r = mover.move(task, new Context());
                if (r.outcome() != TaskOutcome.SUCCEEDED) {
                    throw new IllegalStateException("mover failed: " + r);
                }
            }
            case "single PutObject" -> sync.putObject(b -> b.bucket(BUCKET).key(key),
                    RequestBody.fromFile(file));
            case "S3TransferManager" -> tm.uploadFile(u -> u.source(file)
                    .putObjectRequest(p -> p.bucket(BUCKET).key(key))).completionFuture().join();
            default -> throw new IllegalStateException(who);
        }
    }

    private static void writeRandom(Path file, long size) throws IOException {
        if (Files.exists(file) && Files.size(file) == size) {
            return;
        }
        Random r = new Random(42);
        byte[] block = new byte[(int) MIB];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length) {
                r.nextBytes(block);
                out.write(block, 0, (int) Math.min(left, block.length));
            }
        }
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY));
    }

    private static S3Client syncClient(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(credentials())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()).build();
    }

    private static S3AsyncClient asyncClient(URI endpoint) {
        return S3AsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(credentials())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .multipartEnabled(true)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(16)).build();
    }

    /** A context that is never cancelled. */
    private static final class Context implements ExecutionContext {
        private final String runId = UUID.randomUUID().toString();

        @Override
        public String node() {
            return "bench";
        }

        @Override
        public String runId() {
            return runId;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void progress(long bytesDone, int filesDone) {
        }
    }
}
