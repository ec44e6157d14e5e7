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
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Fencing of S3 commits (#14) against a real S3 server (S3Proxy 4.1.0, in-memory store): an
 * owner and a zombie attempt of the same file, each with its own session, each guarded by what it
 * saw at the key when it began. Whatever commits second with a stale guard fails with
 * TARGET_CONFLICT and writes nothing; the upload stays committable with a fresh guard.
 */
class ConditionalWritesIT {
    private static final long SEED = Long.getLong("migrate.seed", System.nanoTime());
    private static EmbeddedS3 server;
    private static S3Client s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        System.out.println("ConditionalWritesIT seed " + SEED + " (-Dmigrate.seed=" + SEED + " to repeat)");
        server = EmbeddedS3.startTransient(BUCKET);
        s3 = client(server.endpoint());
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
        server.close();
    }

    @Test
    void theStartProbeReportsWhatTheStoreEnforcesAndLeavesNothingBehind() {
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build())) {
            ConditionalWriteSupport found = t.conditionalWriteSupport();
            System.out.println("S3Proxy 4.1.0 conditional writes: " + found);
            // Probed by hand before (docs/s3.md): S3Proxy 4.1.0 refuses a failed PutObject precondition.
            assertThat(found.putObject()).as(found.toString()).isTrue();
            assertThat(t.capabilities().fencedCommits()).isEqualTo(found.enforcedForAllCommits());
        }
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(".migrate-tmp/")).contents())
                .as("the probe key is removed").isEmpty();
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).as("no probe upload left").isEmpty();
    }

    @Test
    void theFilesystemStoreOfTheBenchmarksIsFencedToo() throws Exception {
        try (EmbeddedS3 fs = EmbeddedS3.startFilesystem(dir.resolve("store"), BUCKET);
             S3Transport t = S3Transport.create(config(fs.endpoint()).build())) {
            System.out.println("S3Proxy 4.1.0 filesystem store, conditional writes: " + t.conditionalWriteSupport());
            assertThat(t.conditionalWriteSupport().enforcedForAllCommits()).as(t.conditionalWriteSupport().toString())
                    .isTrue();
        }
    }

    @Test
    void requiredFailsTheStartWhereTheStoreDoesNotEnforceThem() throws Exception {
        try (io.migrate.s3.testing.RecordingS3Server ignoring = io.migrate.s3.testing.RecordingS3Server.start()) {
            // a server that answers every request 200 applies a failed precondition: not enforced
            assertThatThrownBy(() -> S3Transport.create(S3TestSupport.scripted(ignoring.endpoint(),
                    S3TransportConfig.builder()).conditionalWrites(ConditionalWrites.REQUIRED).build()))
                    .isInstanceOf(io.migrate.error.ConfigurationException.class)
                    .hasMessageContaining("transport.s3.conditionalWrites");
        }
    }

    @Test
    void withConditionalWritesOffNothingIsProbedOrFenced() {
        try (S3Transport t = S3Transport.create(config(server.endpoint()).conditionalWrites(ConditionalWrites.OFF)
                .build())) {
            assertThat(t.conditionalWriteSupport().putObject()).isFalse();
            assertThat(t.capabilities().fencedCommits()).isFalse();
        }
    }

    @ParameterizedTest(name = "target existed before: {0}")
    @ValueSource(booleans = {false, true})
    void aZombiesPutAfterTheOwnersPutFailsWithTargetConflict(boolean existed) throws Exception {
        String key = "fence/put-" + existed;
        if (existed) {
            s3.putObject(b -> b.bucket(BUCKET).key(key), software.amazon.awssdk.core.sync.RequestBody.fromString("v0"));
        }
        try (S3Transport t = S3Transport.create(config(server.endpoint()).build());
             TransportSession zombie = t.openSession(t.endpoints().get(0));
             TransportSession owner = t.openSession(t.endpoints().get(0))) {
            CommitGuard zombieSaw = CommitGuard.of(zombie.stat(key));
            CommitGuard ownerSaw = CommitGuard.of(owner.stat(key));
            assertThat(zombieSaw.kind()).isEqualTo(existed ? CommitGuard.Kind.MATCHES : CommitGuard.Kind.ABSENT);

            owner.putWhole(key, bytes("owner"), crc("owner"), Map.of("migrate-crc32c", "owner"), ownerSaw);
            assertThatThrownBy(() -> zombie.putWhole(key, bytes("zombie"), crc("zombie"),
                    Map.of("migrate-crc32c", "zombie"), zombieSaw))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.TARGET_CONFLICT);
                        assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
                    });
            assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String()).isEqualTo("owner");

            // Re-read, the owner may overwrite what it now sees (the mover's answer to a zombie that won)
            owner.putWhole(key, bytes("owner2"), crc("owner2"), Map.of(), CommitGuard.of(owner.stat(key)));
            assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String()).isEqualTo("owner2");
        }
    }

    @ParameterizedTest(name = "direct multipart commit: {0}")
    @ValueSource(booleans = {true, false})
    void aZombiesMultipartCommitAfterTheOwnersFailsWithTargetConflict(boolean direct) throws Exception {
        String key = "fence/multipart-" + direct;
        Path older = randomFile(dir, "older", 12 * MIB + 3, SEED);
        Path newer = randomFile(dir, "newer", 11 * MIB + 5, SEED + 1);
        try (S3Transport t = S3Transport.create(config(server.endpoint()).directMultipartCommit(direct).build());
             TransportSession zombie = t.openSession(t.endpoints().get(0));
             TransportSession owner = t.openSession(t.endpoints().get(0))) {
            CommitGuard zombieSaw = CommitGuard.of(zombie.stat(key));
            Upload zu = staged(zombie, key, "zombie", older);
            CommitGuard ownerSaw = CommitGuard.of(owner.stat(key));
            Upload ou = staged(owner, key, "owner", newer);

            owner.commit(ou, fingerprint(newer, crc32c(newer)), ownerSaw);
            assertThatThrownBy(() -> zombie.commit(zu, fingerprint(older, crc32c(older)), zombieSaw))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.TARGET_CONFLICT));
            assertSameBytes(s3, key, newer);
            zombie.abort(zu);
        }
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads()).isEmpty();
    }

    @ParameterizedTest(name = "direct multipart commit: {0}")
    @ValueSource(booleans = {true, false})
    void anOwnerWhoseCommitConflictsCommitsAgainWithWhatItNowSees(boolean direct) throws Exception {
        String key = "fence/second-" + direct;
        Path older = randomFile(dir, "older", 6 * MIB, SEED + 2);
        Path newer = randomFile(dir, "newer", 7 * MIB + 1, SEED + 3);
        try (S3Transport t = S3Transport.create(config(server.endpoint()).directMultipartCommit(direct).build());
             TransportSession zombie = t.openSession(t.endpoints().get(0));
             TransportSession owner = t.openSession(t.endpoints().get(0))) {
            CommitGuard zombieSaw = CommitGuard.of(zombie.stat(key));
            Upload zu = staged(zombie, key, "zombie", older);
            CommitGuard ownerSaw = CommitGuard.of(owner.stat(key));
            Upload ou = staged(owner, key, "owner", newer);

            zombie.commit(zu, fingerprint(older, crc32c(older)), zombieSaw); // the zombie wakes first
            assertThatThrownBy(() -> owner.commit(ou, fingerprint(newer, crc32c(newer)), ownerSaw))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.TARGET_CONFLICT));
            TargetStat now = owner.stat(key).orElseThrow();
            owner.commit(ou, fingerprint(newer, crc32c(newer)), CommitGuard.matches(now.version()));
            assertSameBytes(s3, key, newer);
        }
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads()).isEmpty();
    }

    static java.util.stream.Stream<S3Stores.Store> stores() {
        return S3Stores.all();
    }

    /**
     * On every real server of the run (S3Proxy, and RGW 16 unless {@code -Dmigrate.rgw=false}):
     * the probe's finding, and a zombie's late whole put and direct multipart commit both refused
     * (by the store where it enforces the precondition, by the HEAD right before the commit where it
     * does not: RGW 16 ignores preconditions on CompleteMultipartUpload).
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("stores")
    void aZombiesLateCommitsAreRefusedOnEveryStore(S3Stores.Store store) throws Exception {
        String key = "fence/every-store/f";
        Path older = randomFile(dir, "older", 6 * MIB, SEED + 4);
        Path newer = randomFile(dir, "newer", 6 * MIB + 9, SEED + 5);
        store.clean("fence/every-store/");
        try (S3Transport t = S3Transport.create(store.config().build());
             TransportSession zombie = t.openSession(t.endpoints().get(0));
             TransportSession owner = t.openSession(t.endpoints().get(0));
             S3Client c = store.client()) {
            System.out.println(store + " conditional writes: " + t.conditionalWriteSupport());
            assertThat(t.capabilities().fencedCommits()).isEqualTo(t.conditionalWriteSupport().enforcedForAllCommits());
            if (!store.isRgw()) {
                assertThat(t.conditionalWriteSupport().enforcedForAllCommits()).isTrue();
            }

            CommitGuard zombieSaw = CommitGuard.of(zombie.stat(key));
            CommitGuard ownerSaw = CommitGuard.of(owner.stat(key));
            owner.putWhole(key, bytes("owner"), crc("owner"), Map.of(), ownerSaw);
            assertThatThrownBy(() -> zombie.putWhole(key, bytes("zombie"), crc("zombie"), Map.of(), zombieSaw))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.TARGET_CONFLICT));
            assertThat(c.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String()).isEqualTo("owner");

            CommitGuard zombieSaw2 = CommitGuard.of(zombie.stat(key));
            Upload zu = staged(zombie, key, "zombie", older);
            CommitGuard ownerSaw2 = CommitGuard.of(owner.stat(key));
            Upload ou = staged(owner, key, "owner", newer);
            assertThat(ou.tempKey()).as("the default direct commit").isEqualTo(key);
            owner.commit(ou, fingerprint(newer, crc32c(newer)), ownerSaw2);
            assertThatThrownBy(() -> zombie.commit(zu, fingerprint(older, crc32c(older)), zombieSaw2))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.TARGET_CONFLICT));
            zombie.abort(zu);
            assertThat(c.headObject(b -> b.bucket(BUCKET).key(key)).contentLength()).isEqualTo(Files.size(newer));
        } finally {
            store.clean("fence/every-store/");
        }
    }

    /** open + write + complete of {@code file} at {@code key}, as one attempt does before its commit. */
    private static Upload staged(TransportSession s, String key, String attempt, Path file) throws Exception {
        Upload u = s.open(key, attempt, Files.size(file), 5 * MIB, fingerprint(file, crc32c(file)));
        List<RangeReceipt> receipts = writeAll(s, u, file);
        s.complete(u, receipts, crc32c(file));
        return u;
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static int crc(String s) {
        return io.migrate.s3.internal.Checksums.crc32c(bytes(s));
    }
}
