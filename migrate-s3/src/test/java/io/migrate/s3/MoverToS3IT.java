package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.BUCKET;
import static io.migrate.s3.S3TestSupport.MIB;
import static io.migrate.s3.S3TestSupport.assertSameBytes;
import static io.migrate.s3.S3TestSupport.client;
import static io.migrate.s3.S3TestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.s3.internal.Checksums;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.s3.testing.RecordingS3Server.Response;
import io.migrate.s3.testing.RecordingS3Server;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.RandomFiles;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.MetadataKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * POSIX → S3 through the real {@link ParallelFileMover} and a real S3 server (S3Proxy 4.1.0
 * in this JVM): byte-equal round trips from 0 B to 200 MiB in MULTIPART mode, skip of
 * identical files on a re-run, failover when one of two endpoints stops mid-transfer, and
 * destination errors (quota, access denied) reported with their codes.
 */
class MoverToS3IT {
    @TempDir
    Path tmp;

    private static MoverConfig.Builder moverConfig(Path src) {
        return MoverConfig.builder().allowSourceRoot(src).threads(4).backoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .healthCheckInterval(Duration.ofMillis(500));
    }

    @Test
    void movesFilesFromEmptyTo200MiBByteForByteAndSkipsThemOnARerun() throws Exception {
        long seed = RandomFiles.seed(getClass());
        RandomFiles files = new RandomFiles(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        long range = MoverConfig.DEFAULT_RANGE_SIZE;
        List<Long> sizes = List.of(0L, 1L, 5 * MIB - 1, range - 1, range, range + 1, 3 * range + 17, 200 * MIB,
                (long) files.random().nextInt(1 << 20));
        MigrationTask.Builder task = MigrationTask.builder().sourceRoot(src.toString());
        for (int i = 0; i < sizes.size(); i++) {
            String name = RandomFiles.TRICKY_NAMES.get(i % RandomFiles.TRICKY_NAMES.size()) + "-" + i;
            files.write(src.resolve(name), sizes.get(i));
            task.addFile(name, "it/" + name);
        }
        try (EmbeddedS3 server = EmbeddedS3.startTransient(BUCKET);
             S3Transport transport = S3Transport.create(config(server.endpoint()).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build();
             S3Client s3 = client(server.endpoint())) {
            mover.start();
            TaskResult r = mover.move(task.build(), new TestExecutionContext("n1"));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            for (FileResult f : r.files()) {
                assertThat(f.outcome()).as(f.toString()).isEqualTo(FileOutcome.COPIED);
                assertSameBytes(s3, f.targetKey(), src.resolve(f.sourcePath()));
                Map<String, String> meta = s3.headObject(b -> b.bucket(BUCKET).key(f.targetKey())).metadata();
                assertThat(meta).containsKey(MetadataKeys.FINGERPRINT);
                if (Files.size(src.resolve(f.sourcePath())) > range) {
                    // the default direct commit: metadata fixed at CreateMultipartUpload, before the CRC is
                    // known; the completion gave it as a FULL_OBJECT CRC32C, which S3Proxy verified
                    assertThat(meta).doesNotContainKey(MetadataKeys.CHECKSUM);
                    assertThat(transport.fullObjectCrc32c()).isTrue();
                    String full = s3.headObject(b -> b.bucket(BUCKET).key(f.targetKey())
                            .checksumMode(software.amazon.awssdk.services.s3.model.ChecksumMode.ENABLED))
                            .checksumCRC32C();
                    assertThat("crc32c:" + String.format("%08x", Checksums.crc32cOfBase64(full))).isEqualTo(f.checksum());
                } else {
                    assertThat(meta).containsEntry(MetadataKeys.CHECKSUM, f.checksum());
                }
            }
            assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(".migrate-tmp/")).contents()).isEmpty();
            assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).isEmpty();

            TaskResult again = mover.move(task.id(null).build(), new TestExecutionContext("n1"));
            assertThat(again.files()).extracting(FileResult::outcome).containsOnly(FileOutcome.SKIPPED_IDENTICAL);
            // every skipped file reports the checksum the store holds for it (metadata or FULL_OBJECT)
            assertThat(again.files()).extracting(FileResult::checksum)
                    .containsExactlyElementsOf(r.files().stream().map(FileResult::checksum).toList());
        }
    }

    @ParameterizedTest(name = "unsignedPayload={0}")
    @ValueSource(booleans = {false, true})
    void directMultipartCommitMovesAndSkipsToo(boolean unsignedPayload) throws Exception {
        RandomFiles files = new RandomFiles(RandomFiles.seed(getClass()));
        Path src = Files.createDirectories(tmp.resolve("src"));
        MigrationTask.Builder task = MigrationTask.builder().sourceRoot(src.toString());
        long[] sizes = {0, 3, 5 * MIB, 40 * MIB + 1};
        for (int i = 0; i < sizes.length; i++) {
            files.write(src.resolve("d" + i), sizes[i]);
            task.addFile("d" + i, "direct/d" + i);
        }
        try (EmbeddedS3 server = EmbeddedS3.startTransient(BUCKET);
             S3Transport transport = S3Transport.create(config(server.endpoint()).directMultipartCommit(true)
                     .unsignedPayload(unsignedPayload).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport)
                     .config(moverConfig(src).rangeSize(5 * MIB).build()).build();
             S3Client s3 = client(server.endpoint())) {
            mover.start();
            TaskResult r = mover.move(task.build(), new TestExecutionContext("n1"));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            for (FileResult f : r.files()) {
                assertSameBytes(s3, f.targetKey(), src.resolve(f.sourcePath()));
            }
            assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(".migrate-tmp/")).contents()).isEmpty();
            assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).isEmpty();
            TaskResult again = mover.move(task.id(null).build(), new TestExecutionContext("n1"));
            assertThat(again.files()).extracting(FileResult::outcome).containsOnly(FileOutcome.SKIPPED_IDENTICAL);
        }
    }

    @Test
    void smallFilesGoStraightToTheirKeysWithOneListingPerDirectoryAndNoStats() throws Exception {
        RandomFiles files = new RandomFiles(RandomFiles.seed(getClass()));
        Path src = Files.createDirectories(tmp.resolve("src"));
        MigrationTask.Builder task = MigrationTask.builder().sourceRoot(src.toString());
        for (int i = 0; i < 12; i++) {
            String name = (i % 2 == 0 ? "even/" : "odd/") + "f" + i;
            files.write(src.resolve(name), i == 0 ? 0 : files.random().nextInt(200_000));
            task.addFile(name, "small/" + name);
        }
        task.addFile("lonely", "small/alone/lonely"); // a directory of one: stat-ed, not listed
        files.write(src.resolve("lonely"), 10);
        try (EmbeddedS3 server = EmbeddedS3.startTransient(BUCKET);
             FaultInjectingTransport transport = new FaultInjectingTransport(
                     S3Transport.create(config(server.endpoint()).build()));
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build();
             S3Client s3 = client(server.endpoint())) {
            s3.putObject(b -> b.bucket(BUCKET).key("small/even/f2"), RequestBody.fromString("an older copy"));
            mover.start();
            TaskResult r = mover.move(task.build(), new TestExecutionContext("n1"));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            for (FileResult f : r.files()) {
                assertSameBytes(s3, f.targetKey(), src.resolve(f.sourcePath()));
                Map<String, String> meta = s3.headObject(b -> b.bucket(BUCKET).key(f.targetKey())).metadata();
                assertThat(meta).containsEntry(MetadataKeys.CHECKSUM, f.checksum()).containsKey(MetadataKeys.FINGERPRINT);
            }
            assertThat(transport.calls(Op.KNOWN_ABSENT)).as("one listing per directory of 2+ files").isEqualTo(2);
            assertThat(transport.calls(Op.STAT)).as("stats: the object that existed and the lonely file").isEqualTo(2);
            assertThat(transport.calls(Op.PUT_WHOLE)).isEqualTo(13);
            assertThat(transport.calls(Op.OPEN) + transport.calls(Op.COMMIT)).as("no temporary objects").isZero();
            assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(".migrate-tmp/")).contents()).isEmpty();

            TaskResult again = mover.move(task.id(null).build(), new TestExecutionContext("n1"));
            assertThat(again.files()).extracting(FileResult::outcome).containsOnly(FileOutcome.SKIPPED_IDENTICAL);
            assertThat(again.files()).extracting(FileResult::checksum)
                    .containsExactlyElementsOf(r.files().stream().map(FileResult::checksum).toList());
        }
    }

    @Test
    void aSmallFileChangedWhileItsPutRunsIsReportedAndTheRetryStoresTheNewContent() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path file = src.resolve("log.txt");
        Files.writeString(file, "first version\n");
        MigrationTask task = MigrationTask.builder().sourceRoot(src.toString()).addFile("log.txt", "chg/log.txt").build();
        try (EmbeddedS3 server = EmbeddedS3.startTransient(BUCKET);
             FaultInjectingTransport transport = new FaultInjectingTransport(
                     S3Transport.create(config(server.endpoint()).build()));
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build();
             S3Client s3 = client(server.endpoint())) {
            // After the file was read and checked, before its PUT: the change falls inside the put.
            transport.on(Op.PUT_WHOLE).nth(1).run(() -> {
                try {
                    Files.writeString(file, "appended\n", StandardOpenOption.APPEND);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            mover.start();
            TaskResult r = mover.move(task, new TestExecutionContext("n1"));
            FileResult f = r.files().get(0);
            assertThat(f.outcome()).isEqualTo(FileOutcome.FAILED);
            assertThat(f.code()).isEqualTo(ErrorCode.SOURCE_CHANGED);
            // what is stored is one whole version, the one that was read, and says so
            assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("chg/log.txt")).asUtf8String())
                    .isEqualTo("first version\n");

            TaskResult retry = mover.move(MigrationTask.builder().sourceRoot(src.toString())
                    .addFile("log.txt", "chg/log.txt").build(), new TestExecutionContext("n1"));
            assertThat(retry.files().get(0).outcome()).isEqualTo(FileOutcome.COPIED);
            assertSameBytes(s3, "chg/log.txt", file);
        }
    }

    @Test
    void anEndpointStoppedMidTransferFailsOverAndNoFileFails() throws Exception {
        RandomFiles files = new RandomFiles(RandomFiles.seed(getClass()));
        Path src = Files.createDirectories(tmp.resolve("src"));
        MigrationTask.Builder task = MigrationTask.builder().sourceRoot(src.toString());
        for (int i = 0; i < 6; i++) {
            files.write(src.resolve("f" + i), 24 * MIB + i);
            task.addFile("f" + i, "failover/f" + i);
        }
        try (EmbeddedS3 a = EmbeddedS3.startTransient(BUCKET);
             EmbeddedS3 b = EmbeddedS3.startSharing(a);
             S3Transport transport = S3Transport.create(config(a.endpoint(), b.endpoint()).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport)
                     .config(moverConfig(src).rangeSize(5 * MIB).build()).build();
             S3Client s3 = client(a.endpoint())) {
            mover.start();
            TestExecutionContext ctx = new TestExecutionContext("n1");
            CompletableFuture<TaskResult> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return mover.move(task.build(), ctx);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ctx.maxBytes() >= 20 * MIB || run.isDone());
            b.stop();
            TaskResult r = run.get(120, TimeUnit.SECONDS);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            for (FileResult f : r.files()) {
                assertThat(f.outcome()).isEqualTo(FileOutcome.COPIED);
                assertSameBytes(s3, f.targetKey(), src.resolve(f.sourcePath()));
            }
            assertThat(s3.listMultipartUploads(x -> x.bucket(BUCKET)).uploads()).isEmpty();
        }
    }

    @Test
    void refusedCredentialsStopTheStartWithAccessDenied() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        try (EmbeddedS3 server = EmbeddedS3.startTransient(BUCKET);
             S3Transport transport = S3Transport.create(config(server.endpoint())
                     .credentials(EmbeddedS3.ACCESS_KEY, "not-the-secret").build());
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build()) {
            // The start's health check (HeadBucket) is refused: no file could succeed, so the
            // mover refuses to start (issue #18) instead of failing every file later.
            org.assertj.core.api.Assertions.assertThatThrownBy(mover::start)
                    .isInstanceOf(io.migrate.transport.TransportException.class)
                    .satisfies(e -> assertThat(((io.migrate.transport.TransportException) e).code())
                            .isEqualTo(ErrorCode.ACCESS_DENIED))
                    .hasMessageNotContaining("not-the-secret");
            assertThat(mover.endpointHealth()).singleElement().satisfies(h -> {
                assertThat(h.state()).isEqualTo(io.migrate.transport.EndpointHealth.State.MISCONFIGURED);
                assertThat(h.lastError()).doesNotContain("not-the-secret");
            });
        }
    }

    @Test
    void aFullDestinationFailsTheFileWithQuotaExceeded() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        new RandomFiles(2).write(src.resolve("big"), 12 * MIB);
        MigrationTask task = MigrationTask.builder().sourceRoot(src.toString()).addFile("big", "quota/big").build();
        try (RecordingS3Server fake = RecordingS3Server.start();
             S3Transport transport = S3Transport.create(config(fake.endpoint()).checksumMode(ChecksumMode.CRC32C)
                     .conditionalWrites(ConditionalWrites.OFF).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport)
                     .config(moverConfig(src).rangeSize(5 * MIB).build()).build()) {
            fake.respondWith(req -> {
                String q = req.query() == null ? "" : req.query();
                if (req.method().equals("HEAD") && req.path().equals("/" + BUCKET)) {
                    return new Response(200, Map.of(), "");
                }
                if (req.method().equals("HEAD")) {
                    return new Response(404, Map.of(), "");
                }
                if (req.method().equals("POST") && q.startsWith("uploads")) {
                    return new Response(200, Map.of(), "<InitiateMultipartUploadResult><Bucket>" + BUCKET
                            + "</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>");
                }
                if (q.contains("partNumber")) {
                    return Response.error(403, "QuotaExceeded", Map.of());
                }
                return new Response(204, Map.of(), "");
            });
            mover.start();
            TaskResult r = mover.move(task, new TestExecutionContext("n1"));
            assertThat(r.files()).singleElement().satisfies(f -> {
                assertThat(f.outcome()).isEqualTo(FileOutcome.FAILED);
                assertThat(f.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
            });
            assertThat(fake.requests()).as("the upload was aborted")
                    .anyMatch(q -> q.method().equals("DELETE") && q.query() != null && q.query().contains("uploadId=u1"));
        }
    }
}
