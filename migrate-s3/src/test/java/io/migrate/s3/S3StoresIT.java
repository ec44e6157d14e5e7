package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.BUCKET;
import static io.migrate.s3.S3TestSupport.MIB;
import static io.migrate.s3.S3TestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.migrate.error.ErrorCode;
import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.s3.S3Stores.Store;
import io.migrate.s3.internal.Checksums;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.RandomFiles;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.Disposition;
import io.migrate.transport.MetadataKeys;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 transport and the mover against every real S3 server of the run ({@link S3Stores}):
 * S3Proxy 4.1.0 and Ceph RGW 16.2.15. Round trips from 0 B to 200 MiB in each write mode the
 * store supports, abort, an upload aborted by someone else, an unsupported dialect, quota, and
 * a range whose bytes do not match the mover's checksum. RGW's defects from issue 16 each have
 * a case here: empty bodies, Complete of an aborted upload, 501, unverified CRC32C.
 */
class S3StoresIT {
    @TempDir
    Path tmp;

    /**
     * How the mover writes: the write modes and commits the transport offers, and the two range
     * checksums {@link ChecksumMode#AUTO} picks where the store ignores CRC32C, each chosen
     * explicitly so both run whatever this CPU makes AUTO pick.
     */
    enum Mode {
        MULTIPART_COPY_COMMIT, MULTIPART_DIRECT_COMMIT, APPEND_RGW, DIRECT_COMMIT_CONTENT_MD5,
        DIRECT_COMMIT_SIGNED_BODY_SHA256;

        S3TransportConfig.Builder apply(S3TransportConfig.Builder b) {
            return switch (this) {
                case MULTIPART_COPY_COMMIT -> b.writeMode(S3WriteMode.MULTIPART).directMultipartCommit(false);
                case MULTIPART_DIRECT_COMMIT -> b.writeMode(S3WriteMode.MULTIPART).directMultipartCommit(true);
                case APPEND_RGW -> b.writeMode(S3WriteMode.APPEND).appendDialect(AppendDialect.CEPH_RGW);
                case DIRECT_COMMIT_CONTENT_MD5 -> b.checksumMode(ChecksumMode.MD5);
                case DIRECT_COMMIT_SIGNED_BODY_SHA256 -> b.checksumMode(ChecksumMode.SHA256);
            };
        }

        boolean directCommit() {
            return this != MULTIPART_COPY_COMMIT && this != APPEND_RGW;
        }

        boolean supportedBy(Store s) {
            return this != APPEND_RGW || s.isRgw();
        }
    }

    static Stream<Arguments> storesAndModes() {
        return S3Stores.all().flatMap(s -> Stream.of(Mode.values()).filter(m -> m.supportedBy(s))
                .map(m -> Arguments.of(s, m)));
    }

    static Stream<Store> stores() {
        return S3Stores.all();
    }

    private static MoverConfig.Builder moverConfig(Path src) {
        return MoverConfig.builder().allowSourceRoot(src).threads(4).rangeSize(5 * MIB)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).healthCheckInterval(Duration.ofMillis(500));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("storesAndModes")
    void movesFilesFromEmptyTo200MiBByteForByteAndSkipsThemOnARerun(Store store, Mode mode) throws Exception {
        long seed = RandomFiles.seed(getClass());
        RandomFiles files = new RandomFiles(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        String prefix = "stores/" + mode + "/";
        long[] sizes = {0, 1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 16 * MIB + 7, 200 * MIB};
        MigrationTask.Builder task = MigrationTask.builder().sourceRoot(src.toString());
        for (int i = 0; i < sizes.length; i++) {
            files.write(src.resolve("f" + i), sizes[i]);
            task.addFile("f" + i, prefix + "f" + i);
        }
        try (S3Transport transport = S3Transport.create(mode.apply(store.config()).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build();
             S3Client s3 = store.client()) {
            mover.start();
            TaskResult r = mover.move(task.build(), new TestExecutionContext("n1"));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            for (FileResult f : r.files()) {
                assertThat(f.outcome()).as(f.toString()).isEqualTo(FileOutcome.COPIED);
                assertSameBytes(s3, f.targetKey(), src.resolve(f.sourcePath()));
                Map<String, String> meta = s3.headObject(b -> b.bucket(BUCKET).key(f.targetKey())).metadata();
                assertThat(meta).containsKey(MetadataKeys.FINGERPRINT);
            }
            assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(".migrate-tmp/")).contents()).isEmpty();
            assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads()).isEmpty();

            TaskResult again = mover.move(task.id(null).build(), new TestExecutionContext("n1"));
            assertThat(again.files()).extracting(FileResult::outcome).containsOnly(FileOutcome.SKIPPED_IDENTICAL);
            for (int i = 0; i < sizes.length; i++) {
                // A skipped file's checksum is one the store verified, or none: a direct multipart
                // commit keeps the file's CRC32C only where the store checks a FULL_OBJECT CRC32C.
                boolean unknown = mode.directCommit() && sizes[i] > 5 * MIB
                        && (store.isRgw() || mode != Mode.MULTIPART_DIRECT_COMMIT);
                assertThat(again.files().get(i).checksum()).as(again.files().get(i).toString())
                        .isEqualTo(unknown ? null : r.files().get(i).checksum());
            }
        } finally {
            store.clean(prefix);
        }
    }

    /**
     * The direct commit's whole-file CRC32C: where the start probe found the store verifies a
     * FULL_OBJECT CRC32C (S3Proxy), the completion carries the file's CRC32C and a wrong one is
     * refused, so nothing is committed; where it does not (RGW 16 accepts and ignores it), none is
     * sent and a skip reports no checksum.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aDirectCommitCarriesTheWholeFileCrc32cWhereTheStoreVerifiesIt(Store store) throws Exception {
        String key = "stores/full-crc/a.bin";
        try (S3Transport t = S3Transport.create(store.config().build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            assertThat(t.fullObjectCrc32c()).isEqualTo(!store.isRgw());
            Upload u = s.open(key, "att-full", 12 * MIB, 5 * MIB, Map.of());
            ByteBuffer part = ByteBuffer.allocate((int) (5 * MIB));
            part.put(3, (byte) 7);
            ByteBuffer last = ByteBuffer.allocate((int) (2 * MIB));
            List<RangeReceipt> receipts = List.of(s.write(u, 0, part.duplicate(), Checksums.crc32c(part)),
                    s.write(u, 5 * MIB, part.duplicate(), Checksums.crc32c(part)),
                    s.write(u, 10 * MIB, last.duplicate(), Checksums.crc32c(last)));
            s.complete(u, receipts, 0);
            Map<String, String> wrong = Map.of(MetadataKeys.CHECKSUM, "crc32c:0badc0de");
            if (t.fullObjectCrc32c()) {
                assertThatThrownBy(() -> s.commit(u, wrong, io.migrate.transport.CommitGuard.unconditional()))
                        .isInstanceOfSatisfying(TransportException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH));
                assertThat(s.stat(key)).as("nothing committed").isEmpty();
                s.abort(u);
            } else {
                s.commit(u, wrong, io.migrate.transport.CommitGuard.unconditional());
                assertThat(s.stat(key).orElseThrow().metadata()).doesNotContainKey(MetadataKeys.CHECKSUM);
            }
        } finally {
            store.clean("stores/full-crc/");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void abortLeavesNoUploadAndNoTemporaryObject(Store store) throws Exception {
        try (S3Transport t = S3Transport.create(store.config().build());
             TransportSession s = t.openSession(t.endpoints().get(0));
             S3Client s3 = store.client()) {
            Upload u = s.open("stores/abort/a.bin", "att-abort", 12 * MIB, 5 * MIB, Map.of());
            ByteBuffer part = ByteBuffer.allocate((int) (5 * MIB));
            s.write(u, 0, part, Checksums.crc32c(part));
            assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(u.tempKey())).uploads()).hasSize(1);
            s.abort(u);
            s.abort(u);
            assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(u.tempKey())).uploads()).isEmpty();
            assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(".migrate-tmp/")).contents()).isEmpty();
            assertThat(s.stat("stores/abort/a.bin")).isEmpty();
        }
    }

    /** RGW answers Complete of an aborted upload with 500 "multipart completion is already in progress". */
    @ParameterizedTest(name = "{0}, direct commit {1}")
    @MethodSource("storesAndCommits")
    void anUploadAbortedBySomeoneElseEndsTheAttemptAtOnceWithARetryableCode(Store store, boolean direct)
            throws Exception {
        Path f = S3TestSupport.randomFile(tmp, "g.bin", 11 * MIB, 11);
        String key = "stores/gone/" + direct;
        try (S3Transport t = S3Transport.create(store.config().directMultipartCommit(direct).build());
             TransportSession s = t.openSession(t.endpoints().get(0));
             S3Client s3 = store.client()) {
            Upload u = s.open(key, "att-gone-" + direct, 11 * MIB, 5 * MIB, Map.of());
            List<RangeReceipt> receipts = S3TestSupport.writeAll(s, u, f);
            s3.abortMultipartUpload(b -> b.bucket(BUCKET).key(u.tempKey()).uploadId(u.uploadId()));
            assertThatThrownBy(() -> {
                s.complete(u, receipts, S3TestSupport.crc32c(f));
                s.commit(u, Map.of());
            }).isInstanceOfSatisfying(TransportException.class, e -> {
                assertThat(e.disposition()).as(e.toString()).isEqualTo(Disposition.PERMANENT);
                assertThat(e.code().retryable()).as(e.toString()).isTrue();
                // the mover restarts the file on this exception (S3Proxy lists an aborted upload as
                // one without parts: acknowledged parts missing means the same)
                assertThat(e).as(e.toString()).isInstanceOf(io.migrate.transport.UploadGoneException.class);
                assertThat(e.code()).as(e.toString()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
            });
            assertThat(s.stat(key)).isEmpty();
        } finally {
            store.clean("stores/gone/");
        }
    }

    static Stream<Arguments> storesAndCommits() {
        return S3Stores.all().flatMap(s -> Stream.of(Arguments.of(s, false), Arguments.of(s, true)));
    }

    /**
     * An append dialect the store lacks answers 501 NotImplemented (RGW: Alibaba's {@code POST
     * ?append}): permanent, no failover. (S3Proxy answers 501 to S3 Express's
     * {@code x-amz-write-offset-bytes} before it reads the body and closes the connection: the
     * client sees a broken pipe, not the 501.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anAppendDialectTheStoreLacksFailsTheFileAtOnceAsAnInvalidRequest(Store store) throws Exception {
        assumeTrue(store.isRgw(), "S3Proxy cuts the connection before its 501 can be read");
        Path src = Files.createDirectories(tmp.resolve("src"));
        new RandomFiles(3).write(src.resolve("x"), 12 * MIB);
        MigrationTask task = MigrationTask.builder().sourceRoot(src.toString()).addFile("x", "stores/dialect/x").build();
        try (S3Transport transport = S3Transport.create(store.config().writeMode(S3WriteMode.APPEND)
                     .appendDialect(AppendDialect.ALIBABA_OSS)
                     .directPut(false).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build()) {
            mover.start();
            TaskResult r = mover.move(task, new TestExecutionContext("n1"));
            assertThat(r.files()).singleElement().satisfies(f -> {
                assertThat(f.outcome()).isEqualTo(FileOutcome.FAILED);
                assertThat(f.code()).as(f.toString()).isEqualTo(ErrorCode.INVALID_REQUEST);
                assertThat(f.attempts()).as(f.toString()).isLessThanOrEqualTo(1);
            });
        } finally {
            store.clean("stores/dialect/");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aFullBucketFailsTheFileWithQuotaExceeded(Store store) throws Exception {
        assumeTrue(store.isRgw(), "S3Proxy has no quotas (the mapping is tested with a scripted server)");
        String bucket = "migrate-quota";
        store.rgw().createBucket(bucket);
        store.rgw().setBucketQuota(bucket, MIB);
        Path src = Files.createDirectories(tmp.resolve("src"));
        new RandomFiles(2).write(src.resolve("big"), 12 * MIB);
        new RandomFiles(2).write(src.resolve("small"), 3 * MIB);
        MigrationTask task = MigrationTask.builder().sourceRoot(src.toString()).addFile("big", "quota/big")
                .addFile("small", "quota/small").build();
        try (S3Transport transport = S3Transport.create(store.config().bucket(bucket).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(moverConfig(src).build()).build();
             S3Client s3 = store.client()) {
            mover.start();
            TaskResult r = mover.move(task, new TestExecutionContext("n1"));
            assertThat(r.files()).hasSize(2).allSatisfy(f -> {
                assertThat(f.outcome()).isEqualTo(FileOutcome.FAILED);
                assertThat(f.code()).as(f.toString()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
            });
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("the upload was aborted").isEmpty();
        }
    }

    /**
     * APPEND on RGW, resumed where the range appended after the last record (a crash before its
     * record) holds other bytes than the source's: the next run reads it back, finds it differs and
     * sends it again; the object already ends after it, and that conflict must not be taken for
     * "this range landed already" (the old bytes would be committed under the source's CRC32C):
     * the run starts a new upload and the object committed is the source, byte for byte.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anAppendedRangeThatDiffersFromTheSourceIsNotCommittedOnResume(Store store) throws Exception {
        assumeTrue(store.isRgw(), "APPEND: RGW's dialect only");
        int range = (int) (5 * MIB);
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] data = sourceFile(src, 3 * range + 123, 17);
        S3TransportConfig config = Mode.APPEND_RGW.apply(store.config()).build();
        MigrationTask task = MigrationTask.builder().id("20261129T050000000Z-dddddddddddd")
                .sourceRoot(src.toString()).addFile("big.bin", "stores/append-differs/big.bin").build();
        try (S3Transport t = S3Transport.create(config)) {
            TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
            crashFromWrite(t, src, range, task, first, 2);
            // The first run appended and recorded range 0; then range 1 lands with one bit flipped.
            String tempKey = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(first.ledgers(0).get(0).header()).get("tempKey").asText();
            Upload u = new Upload("stores/append-differs/big.bin", tempKey, null, data.length, range, Map.of());
            byte[] other = java.util.Arrays.copyOfRange(data, range, 2 * range);
            other[0] ^= 1;
            try (TransportSession s = t.openSession(t.endpoints().get(0))) {
                ByteBuffer b = ByteBuffer.wrap(other);
                s.write(u, range, b, Checksums.crc32c(b));
            }
            try (ParallelFileMover m = ParallelFileMover.builder(t).config(moverConfig(src).rangeSize(range).build())
                    .build(); S3Client s3 = store.client()) {
                m.start();
                TaskResult again = m.move(task, new TestExecutionContext("n2").sharingLedgersWith(first));
                assertThat(again.outcome()).as(again.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
                assertSameBytes(s3, "stores/append-differs/big.bin", src.resolve("big.bin"));
            }
        } finally {
            store.clean("stores/append-differs/");
        }
    }

    /**
     * APPEND on RGW resumes like a multipart upload: a run that appended three ranges but recorded
     * two (a crash between the third append and its record) leaves an object whose length the next
     * run resumes from, the unrecorded range read back; a run whose writes fail from the fourth
     * range on (and whose abort never happens, as in a crash) is finished by the next, which checks
     * the object's ranges against the source and appends only the rest.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anAppendUploadIsResumedFromTheObjectsLength(Store store) throws Exception {
        assumeTrue(store.isRgw(), "APPEND: RGW's dialect only");
        int range = (int) (5 * MIB);
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] data = sourceFile(src, 6 * range + 123, 16);
        S3TransportConfig config = Mode.APPEND_RGW.apply(store.config()).build();
        try (S3Transport t = S3Transport.create(config)) {
            Upload u;
            RangeReceipt[] r = new RangeReceipt[3];
            try (TransportSession s = t.openSession(t.endpoints().get(0))) {
                u = s.open("stores/append-resume/session.bin", "att-append-resume", data.length, range, Map.of());
                for (int i = 0; i < 3; i++) {
                    ByteBuffer b = ByteBuffer.wrap(data, i * range, range);
                    r[i] = s.write(u, (long) i * range, b, Checksums.crc32c(b));
                }
            }
            try (TransportSession other = t.openSession(t.endpoints().get(0))) {
                List<RangeReceipt> held = other.resume(u, List.of(r[0], r[1])).orElseThrow();
                assertThat(held).hasSize(3).startsWith(r[0], r[1]);
                assertThat(held.get(2).offset()).isEqualTo(2L * range);
                assertThat(held.get(2).crc32c()).as("read back").isEqualTo(r[2].crc32c());
                ByteBuffer beyond = ByteBuffer.wrap(data, 4 * range, range);
                assertThatThrownBy(() -> other.write(u, 4L * range, beyond, Checksums.crc32c(beyond)))
                        .as("an append where the object does not end: not this upload's object any more")
                        .isInstanceOf(io.migrate.transport.UploadGoneException.class);
                other.abort(u);
                assertThat(other.resume(u, List.of(r[0]))).as("the object is gone").isEmpty();
            }

            MigrationTask task = MigrationTask.builder().id("20261129T050000000Z-cccccccccccc")
                    .sourceRoot(src.toString()).addFile("big.bin", "stores/append-resume/big.bin").build();
            TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
            crashFromWrite(t, src, range, task, first, 4);
            try (ParallelFileMover m = ParallelFileMover.builder(t).config(moverConfig(src).rangeSize(range).build())
                    .build(); S3Client s3 = store.client()) {
                m.start();
                TaskResult again = m.move(task, new TestExecutionContext("n2").sharingLedgersWith(first));
                assertThat(again.outcome()).as(again.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
                assertThat(m.bytesResumed()).as("the three ranges the first run appended").isEqualTo(3L * range);
                assertThat(m.bytesWritten() + m.bytesResumed()).isEqualTo(data.length);
                assertSameBytes(s3, "stores/append-resume/big.bin", src.resolve("big.bin"));
            }
        } finally {
            store.clean("stores/append-resume/");
        }
    }

    /** Writes {@code src/big.bin}: {@code size} random bytes of {@code seed}. */
    private static byte[] sourceFile(Path src, int size, long seed) throws java.io.IOException {
        byte[] data = new byte[size];
        new java.util.Random(seed).nextBytes(data);
        Files.write(src.resolve("big.bin"), data);
        return data;
    }

    /**
     * A run of the task whose writes fail from the {@code failFrom}-th on and whose abort never
     * reaches the store, as in a crash: it leaves its upload and its ledger in {@code first}.
     */
    private static void crashFromWrite(S3Transport t, Path src, int range, MigrationTask task,
                                       TestExecutionContext first, int failFrom) throws InterruptedException {
        io.migrate.testing.FaultInjectingTransport crashing = new io.migrate.testing.FaultInjectingTransport(t);
        crashing.on(io.migrate.testing.FaultInjectingTransport.Op.WRITE).calls(failFrom, 100)
                .fail(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED);
        crashing.on(io.migrate.testing.FaultInjectingTransport.Op.ABORT).always()
                .fail(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED);
        try (ParallelFileMover m = ParallelFileMover.builder(crashing).config(moverConfig(src).rangeSize(range)
                .maxRetries(0).build()).build()) {
            m.start();
            assertThat(m.move(task, first).outcome()).isNotEqualTo(TaskOutcome.SUCCEEDED);
        }
    }

    /**
     * What {@link ChecksumMode#AUTO} picks: CRC32C where the store verifies it (S3Proxy); on RGW,
     * which ignores it, the signed body's SHA-256 where this CPU hashes SHA-256 in hardware, else
     * {@code Content-MD5}.
     */
    static ChecksumMode expectedAuto(Store store) {
        return !store.isRgw() ? ChecksumMode.CRC32C
                : io.migrate.s3.internal.HardwareSha256.available() ? ChecksumMode.SHA256 : ChecksumMode.MD5;
    }

    /**
     * A range whose bytes are not the ones the mover checksummed is never stored: on S3Proxy the
     * store rejects the CRC32C; on RGW (which ignores {@code x-amz-checksum-crc32c}) the session
     * checks the CRC32C before the checksum the store verifies is computed from the bytes
     * (the signed SHA-256 or the {@code Content-MD5}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aRangeThatDoesNotMatchItsChecksumIsRejectedWithTheDefaults(Store store) throws Exception {
        try (S3Transport t = S3Transport.create(store.config().build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            assertThat(t.checksumMode()).as("what the start probe chose").isEqualTo(expectedAuto(store));
            assertThat(t.unsignedPayload()).as("the default path: unsigned, the store verifies the checksum, "
                    + "unless the signed body is the checksum").isEqualTo(t.checksumMode() != ChecksumMode.SHA256);
            Upload u = s.open("stores/corrupt/a", "att-corrupt", 12 * MIB, 5 * MIB, Map.of());
            ByteBuffer part = ByteBuffer.allocate((int) (5 * MIB));
            int wrong = Checksums.crc32c(part) ^ 1;
            assertThatThrownBy(() -> s.write(u, 0, part, wrong)).isInstanceOfSatisfying(TransportException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
                assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
            });
            s.abort(u);
        } finally {
            store.clean("stores/corrupt/");
        }
    }

    /**
     * {@link PayloadSigning#AUTO}: bodies go {@code UNSIGNED-PAYLOAD} over http only where the
     * start probe (itself sent unsigned) saw the store reject a wrong per-range checksum; a host
     * that chose the checksum itself, or {@link PayloadSigning#SIGNED}, keeps signed payloads.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void payloadsGoUnsignedByDefaultOnlyWhereTheStoreVerifiesTheRangeChecksum(Store store) throws Exception {
        try (S3Transport auto = S3Transport.create(store.config().build());
             S3Transport signed = S3Transport.create(store.config().payloadSigning(PayloadSigning.SIGNED).build());
             S3Transport chosen = S3Transport.create(store.config().checksumMode(ChecksumMode.CRC32C).build())) {
            assertThat(auto.checksumMode()).isEqualTo(expectedAuto(store));
            assertThat(auto.unsignedPayload()).isEqualTo(auto.checksumMode() != ChecksumMode.SHA256);
            assertThat(signed.unsignedPayload()).isFalse();
            assertThat(signed.checksumMode()).isEqualTo(auto.checksumMode());
            assertThat(chosen.unsignedPayload()).isFalse();
        }
    }
}
