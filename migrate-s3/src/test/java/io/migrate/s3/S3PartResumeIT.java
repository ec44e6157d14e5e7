package io.migrate.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TransportSession#resume} on a real S3 server (S3Proxy, filesystem store): the parts an
 * upload holds are found by ListParts from another session, a part recorded with another ETag or
 * CRC32C is not, and an aborted upload resumes nothing (S3Proxy lists it without parts).
 */
class S3PartResumeIT {
    private static final int PART = 5 << 20;

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void anotherSessionFindsTheRecordedPartsTheUploadHoldsAndNothingOnceItIsAborted() throws Exception {
        try (EmbeddedS3 server = EmbeddedS3.startFilesystem(tmp, S3TestSupport.BUCKET);
                S3Transport transport = S3Transport.create(S3TestSupport.config(server.endpoint()).build())) {
            String ep = transport.endpoints().get(0);
            Upload upload;
            RangeReceipt r1;
            RangeReceipt r2;
            try (TransportSession s = transport.openSession(ep)) {
                upload = s.open("resume/x.bin", "t0000000000000001", 3L * PART, PART, Map.of());
                r1 = write(s, upload, 0, 1);
                r2 = write(s, upload, PART, 2);
            }
            RangeReceipt wrongTag = new RangeReceipt(2L * PART, PART, 7, "\"not-the-etag\"");
            try (TransportSession other = transport.openSession(ep)) {
                Optional<List<RangeReceipt>> held = other.resume(upload, List.of(r1, r2, wrongTag));
                assertThat(held).as("upload %s", upload).isPresent();
                assertThat(held.get()).containsExactly(r1, r2);
                RangeReceipt wrongCrc = new RangeReceipt(r2.offset(), r2.length(), r2.crc32c() + 1, r2.tag());
                assertThat(other.resume(upload, List.of(r1, wrongCrc)).orElseThrow())
                        .isSubsetOf(r1, wrongCrc).contains(r1);
                other.abort(upload);
                // S3Proxy lists an aborted upload as one without parts (AWS and RGW: NoSuchUpload);
                // either way nothing is resumed, and the mover starts a new upload
                assertThat(other.resume(upload, List.of(r1, r2)).map(List::isEmpty).orElse(true)).isTrue();
            }
        }
    }

    /**
     * The stale-upload sweeper (or another node) aborts the upload while the mover sends it: the mover,
     * still owning its task, opens a new upload within the attempt and the object is byte-equal.
     * S3Proxy takes the later parts into the aborted upload instead of answering NoSuchUpload; the
     * completion's part check finds the acknowledged parts gone and restarts it just the same.
     */
    @Test
    void anUploadAbortedByTheSweeperMidFileIsStartedAgainWithinTheAttempt() throws Exception {
        java.nio.file.Path src = java.nio.file.Files.createDirectories(tmp.resolve("src"));
        byte[] data = new byte[6 * PART + 77];
        new Random(5).nextBytes(data);
        java.nio.file.Files.write(src.resolve("big.bin"), data);
        try (EmbeddedS3 server = EmbeddedS3.startFilesystem(tmp.resolve("s3"), S3TestSupport.BUCKET);
                S3Transport s3 = S3Transport.create(S3TestSupport.config(server.endpoint()).build())) {
            io.migrate.testing.FaultInjectingTransport t = new io.migrate.testing.FaultInjectingTransport(s3);
            t.on(io.migrate.testing.FaultInjectingTransport.Op.WRITE).nth(3)
                    .run(() -> s3.sweepStaleUploads(java.time.Duration.ZERO));
            try (io.migrate.move.ParallelFileMover mover = io.migrate.move.ParallelFileMover.builder(t)
                    .config(io.migrate.move.MoverConfig.builder().allowSourceRoot(src).threads(2).rangeSize(PART)
                            .build()).build()) {
                mover.start();
                io.migrate.task.TaskResult r = mover.move(io.migrate.task.MigrationTask.builder()
                        .id("20261129T050000000Z-bbbbbbbbbbbb").sourceRoot(src.toString())
                        .addFile("big.bin", "restart/big.bin").build(), new io.migrate.testing.TestExecutionContext("n1"));
                assertThat(r.files().get(0).outcome()).as(r.toString()).isEqualTo(io.migrate.task.FileOutcome.COPIED);
                assertThat(t.calls(io.migrate.testing.FaultInjectingTransport.Op.OPEN)).isEqualTo(2);
            }
            assertThat(java.nio.file.Files.readAllBytes(tmp.resolve("s3").resolve(S3TestSupport.BUCKET)
                    .resolve("restart/big.bin"))).isEqualTo(data);
        }
    }

    private static RangeReceipt write(TransportSession s, Upload upload, long offset, long seed) {
        byte[] b = new byte[PART];
        new Random(seed).nextBytes(b);
        CRC32C crc = new CRC32C();
        crc.update(b);
        return s.write(upload, offset, ByteBuffer.wrap(b), (int) crc.getValue());
    }
}
