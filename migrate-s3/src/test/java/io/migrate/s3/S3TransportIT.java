package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.BUCKET;
import static io.migrate.s3.S3TestSupport.MIB;
import static io.migrate.s3.S3TestSupport.assertSameBytes;
import static io.migrate.s3.S3TestSupport.client;
import static io.migrate.s3.S3TestSupport.config;
import static io.migrate.s3.S3TestSupport.crc32c;
import static io.migrate.s3.S3TestSupport.fingerprint;
import static io.migrate.s3.S3TestSupport.randomFile;
import static io.migrate.s3.S3TestSupport.writeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.s3.internal.Checksums;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;

/** The S3 transport against a real S3 server (S3Proxy 4.1.0, in-memory store) in this JVM. */
class S3TransportIT {
    private static final long SEED = Long.getLong("migrate.seed", System.nanoTime());
    private static EmbeddedS3 server;
    private static S3Client s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        System.out.println("S3TransportIT seed (rerun with -Dmigrate.seed=" + SEED + ")");
        server = EmbeddedS3.startTransient(BUCKET);
        s3 = client(server.endpoint());
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
        server.close();
    }

    private static List<String> multipartUploads() {
        ListMultipartUploadsResponse r = s3.listMultipartUploads(b -> b.bucket(BUCKET));
        return r.uploads().stream().map(u -> u.key()).toList();
    }

    private static List<String> keysUnder(String prefix) {
        return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {0, 1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 8 * MIB, 16 * MIB + 7, 200 * MIB})
    void roundTripsInMultipartModeByteForByte(long size) throws Exception {
        Path f = randomFile(dir, "f.bin", size, SEED + size);
        String key = "roundtrip/" + size + "/f.bin";
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build())) {
            TestUploader up = new TestUploader(t, 4, 8 * MIB);
            assertThat(up.upload(f, key)).isTrue();
            assertThat(t.activeSessions()).isZero();
            try (TransportSession s = t.openSession(t.endpoints().get(0))) {
                TargetStat st = s.stat(key).orElseThrow();
                assertThat(st.size()).isEqualTo(size);
                assertThat(st.metadata()).isEqualTo(fingerprint(f, crc32c(f)));
            }
        }
        assertSameBytes(s3, key, f);
        assertThat(keysUnder(".migrate-tmp/")).as("temporary objects removed").isEmpty();
        assertThat(multipartUploads()).as("no upload left open").isEmpty();
    }

    @Test
    void aWholeListingProvesAbsenceAndATooLongOneProvesNothing() throws Exception {
        // 1,205 objects: more than one listing page (1,000) in one directory
        try (S3Client c = client(server.endpoint())) {
            java.util.stream.IntStream.range(0, 1205).parallel().forEach(i -> c.putObject(
                    b -> b.bucket(BUCKET).key(String.format("survey/many/o%05d", i)), RequestBody.fromString("x")));
            c.putObject(b -> b.bucket(BUCKET).key("survey/few/\uD83D\uDE00emoji"), RequestBody.fromString("x"));
            c.putObject(b -> b.bucket(BUCKET).key("survey/few/sub/deeper"), RequestBody.fromString("x"));
            c.putObject(b -> b.bucket(BUCKET).key("survey/few/there"), RequestBody.fromString("x"));
        }
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            // Keys sharing more than their directory: only their common prefix is listed.
            assertThat(s.knownAbsent(new TreeSet<>(List.of("survey/many/o00001", "survey/many/o00002x"))))
                    .containsExactly("survey/many/o00002x");
            // A range of more pages than the budget (1 + n/500): nothing concluded.
            assertThat(s.knownAbsent(new TreeSet<>(List.of("survey/many/o00001", "survey/many/new")))).isEmpty();
            // A directory listed whole: every key it does not show is absent, in any listing order.
            assertThat(s.knownAbsent(new TreeSet<>(List.of("survey/few/sub", "survey/few/there", "survey/few/zz",
                    "survey/few/\uD83D\uDE00emoji", "survey/few/\uD83D\uDE00new", "survey/few/\uFF5Ewide"))))
                    .as("a \"directory\" of that name is not an object of that name")
                    .containsExactlyInAnyOrder("survey/few/sub", "survey/few/zz", "survey/few/\uD83D\uDE00new",
                            "survey/few/\uFF5Ewide");
            // Not one directory: nothing concluded.
            assertThat(s.knownAbsent(new TreeSet<>(List.of("survey/a/x", "survey/b/y")))).isEmpty();
        }
    }

    @Test
    void abortLeavesNoUploadAndNoTemporaryObject() throws Exception {
        Path f = randomFile(dir, "a.bin", 12 * MIB, SEED);
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("abort/a.bin", "att-abort", 12 * MIB, 5 * MIB, Map.of());
            ByteBuffer part = ByteBuffer.allocate((int) (5 * MIB));
            s.write(u, 0, part, Checksums.crc32c(part));
            assertThat(multipartUploads()).containsExactly(u.tempKey());
            s.abort(u);
            s.abort(u);
            assertThat(multipartUploads()).isEmpty();
            assertThat(keysUnder(".migrate-tmp/")).isEmpty();
            assertThat(s.stat("abort/a.bin")).isEmpty();
        }
    }

    /** With the default direct commit, an abandoned upload lives under its final key: the sweep finds it there. */
    @Test
    void sweeperRemovesStaleUploadsAndTemporaryObjectsOnly() throws Exception {
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload open = s.open("sweep/a", "att-sweep-1", 12 * MIB, 5 * MIB, Map.of());
            Upload done = s.open("sweep/b", "att-sweep-2", 3, 5 * MIB, Map.of());
            s.write(done, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), Checksums.crc32c(ByteBuffer.wrap(new byte[] {1, 2, 3})));
            s3.putObject(b -> b.bucket(BUCKET).key("sweep/real"), software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
            assertThat(t.sweepStaleUploads(Duration.ofHours(1))).as("nothing is an hour old").isZero();
            // Second-granularity timestamps on the server: wait until both are in the past.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> t.sweepStaleUploads(Duration.ofMillis(1)) > 0 && multipartUploads().isEmpty()
                            && keysUnder(".migrate-tmp/").isEmpty());
            assertThat(open.tempKey()).as("direct commit: the upload is on the final key").isEqualTo("sweep/a");
            assertThat(multipartUploads()).doesNotContain(open.tempKey());
            assertThat(keysUnder("sweep/")).containsExactly("sweep/real");
        }
    }

    @Test
    void anIdenticalFileIsSkippedByItsStoredFingerprint() throws Exception {
        Path f = randomFile(dir, "same.bin", 6 * MIB, SEED);
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build())) {
            TestUploader up = new TestUploader(t, 2, 5 * MIB);
            assertThat(up.upload(f, "skip/same.bin")).isTrue();
            java.time.Instant first = s3.headObject(b -> b.bucket(BUCKET).key("skip/same.bin")).lastModified();
            assertThat(up.upload(f, "skip/same.bin")).as("second run skips").isFalse();
            assertThat(up.opens.get()).isEqualTo(1);
            assertThat(s3.headObject(b -> b.bucket(BUCKET).key("skip/same.bin")).lastModified()).isEqualTo(first);
            // A changed source is not skipped.
            java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
            assertThat(up.upload(f, "skip/same.bin")).isTrue();
        }
    }

    @Test
    void commitIsIdempotentAndCreatesParentMarkers() throws Exception {
        Path f = randomFile(dir, "c.bin", 12 * MIB + 1, SEED);
        int crc = crc32c(f);
        Map<String, String> meta = fingerprint(f, crc);
        S3TransportConfig cfg = config(server.endpoint()).createParentMarkers(true).directMultipartCommit(false)
                .multipartCopyThreshold(5 * MIB).copyPartSize(5 * MIB).build();
        try (S3Transport t = S3Transport.create(cfg); TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("commit/x/c.bin", "att-commit", 12 * MIB + 1, 5 * MIB, meta);
            List<RangeReceipt> r = writeAll(s, u, f);
            s.complete(u, r, crc);
            s.complete(u, r, crc);
            s.commit(u, meta);
            s.commit(u, meta);
            assertThat(s.stat("commit/x/c.bin")).get().extracting(TargetStat::metadata).isEqualTo(meta);
            assertThat(s.stat("commit/")).isPresent();
            assertThat(s.stat("commit/x/")).isPresent();
            assertThat(keysUnder(".migrate-tmp/")).isEmpty();
            // The temporary object is gone and the final one has other metadata: not committed.
            Map<String, String> other = Map.of("migrate-crc32c", "0", "migrate-fingerprint", "0");
            assertThatThrownBy(() -> s.commit(u, other)).isInstanceOfSatisfying(TransportException.class,
                    e -> assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT));
        }
        assertSameBytes(s3, "commit/x/c.bin", f);
    }

    @Test
    void directCommitCompletesOnTheFinalKeyAtomicallyAndIdempotently() throws Exception {
        Path v1 = randomFile(dir, "v1.bin", 3, SEED);
        Path v2 = randomFile(dir, "v2.bin", 11 * MIB + 5, SEED + 1);
        S3TransportConfig cfg = config(server.endpoint()).directMultipartCommit(true).build();
        try (S3Transport t = S3Transport.create(cfg); TransportSession s = t.openSession(t.endpoints().get(0))) {
            assertThat(new TestUploader(t, 1, 5 * MIB).upload(v1, "direct/f")).isTrue();
            int crc = crc32c(v2);
            Map<String, String> meta = fingerprint(v2, crc);
            Upload u = s.open("direct/f", "att-direct", 11 * MIB + 5, 5 * MIB, meta);
            assertThat(u.tempKey()).isEqualTo("direct/f");
            List<RangeReceipt> r = writeAll(s, u, v2);
            s.complete(u, r, crc);
            assertSameBytes(s3, "direct/f", v1);
            s.commit(u, meta);
            s.commit(u, meta);
            assertSameBytes(s3, "direct/f", v2);
            assertThat(s.stat("direct/f")).get().extracting(TargetStat::metadata).isEqualTo(meta);
            assertThat(keysUnder(".migrate-tmp/")).isEmpty();
            assertThat(multipartUploads()).isEmpty();

            // An aborted direct upload leaves the committed object alone.
            Upload aborted = s.open("direct/f", "att-direct-2", 11 * MIB + 5, 5 * MIB, meta);
            writeAll(s, aborted, v1.resolveSibling("v2.bin"));
            s.abort(aborted);
            assertSameBytes(s3, "direct/f", v2);
            assertThat(multipartUploads()).isEmpty();
        }
    }

    @Test
    void directCompleteNoticesAMissingPart() throws Exception {
        Path f = randomFile(dir, "m.bin", 11 * MIB, SEED);
        try (S3Transport t = S3Transport.create(config(server.endpoint()).directMultipartCommit(true).build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("direct/missing", "att-m", 11 * MIB, 5 * MIB, Map.of());
            List<RangeReceipt> r = writeAll(s, u, f);
            List<RangeReceipt> claimed = List.of(r.get(0), r.get(1), new RangeReceipt(10 * MIB, MIB, 7, "\"nope\""));
            assertThatThrownBy(() -> s.complete(u, claimed, 0)).isInstanceOfSatisfying(TransportException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH));
            s.abort(u);
            assertThat(s.stat("direct/missing")).isEmpty();
        }
    }

    @Test
    void aCorruptedPartIsRejectedByItsChecksum() throws Exception {
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("corrupt/a", "att-corrupt", 12 * MIB, 5 * MIB, Map.of());
            ByteBuffer part = ByteBuffer.allocate((int) (5 * MIB));
            int wrong = Checksums.crc32c(part) ^ 1;
            assertThatThrownBy(() -> s.write(u, 0, part, wrong)).isInstanceOfSatisfying(TransportException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
                assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
            });
            s.abort(u);
        }
    }

    @Test
    void refusedCredentialsAreAccessDenied() throws Exception {
        S3TransportConfig cfg = config(server.endpoint()).credentials(EmbeddedS3.ACCESS_KEY, "wrong-secret").build();
        try (S3Transport t = S3Transport.create(cfg)) {
            String ep = t.endpoints().get(0);
            assertThatThrownBy(() -> t.checkHealth(ep)).isInstanceOfSatisfying(TransportException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
                assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
            });
            try (TransportSession s = t.openSession(ep)) {
                assertThatThrownBy(() -> s.open("denied/a", "att", 12 * MIB, 5 * MIB, Map.of()))
                        .isInstanceOfSatisfying(TransportException.class, e -> {
                            assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
                            assertThat(e.getMessage()).doesNotContain("wrong-secret");
                        });
                ByteBuffer one = ByteBuffer.wrap(new byte[] {1});
                Upload u = new Upload("denied/a", ".migrate-tmp/x/denied/a", null, 1, 5 * MIB, Map.of());
                assertThatThrownBy(() -> s.write(u, 0, one, Checksums.crc32c(one)))
                        .isInstanceOfSatisfying(TransportException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED));
            }
        }
    }

    @Test
    void aMissingBucketIsTargetNotFound() {
        try (S3Transport t = S3Transport.create(config(server.endpoint()).bucket("no-such-bucket").build())) {
            assertThatThrownBy(() -> t.checkHealth(t.endpoints().get(0))).isInstanceOfSatisfying(TransportException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.TARGET_NOT_FOUND));
        }
    }

    @Test
    void healthyEndpointPassesTheHealthCheck() {
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build())) {
            t.checkHealth(t.endpoints().get(0));
        }
    }

    @Test
    void sessionsAreCappedPerEndpointAndReused() {
        S3TransportConfig cfg = config(server.endpoint()).sessionsPerEndpoint(2)
                .sessionBorrowTimeout(Duration.ofMillis(200)).build();
        try (S3Transport t = S3Transport.create(cfg)) {
            String ep = t.endpoints().get(0);
            TransportSession a = t.openSession(ep);
            TransportSession b = t.openSession(ep);
            assertThatThrownBy(() -> t.openSession(ep)).isInstanceOfSatisfying(TransportException.class,
                    e -> assertThat(e.disposition()).isEqualTo(Disposition.RETRY));
            assertThat(a.stat("none")).isEqualTo(Optional.empty());
            a.close();
            try (TransportSession c = t.openSession(ep)) {
                assertThat(c.endpointId()).isEqualTo(ep);
            }
            b.close();
            assertThat(t.activeSessions()).isZero();
        }
    }
}
