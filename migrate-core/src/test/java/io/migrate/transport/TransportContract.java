package io.migrate.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.migrate.error.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Transport} and {@link TransportSession} (issue 17): what the mover
 * relies on, checked the same way against every implementation. Shipped in the
 * {@code migrate-core} test-jar; a host with its own transport extends it (see
 * {@code docs/contract-tests.md}):
 *
 * <pre>
 * class MyTransportContractTest extends TransportContract {
 *     protected Transport newTransport() { return MyTransport.create(...); }
 *     protected Optional&lt;byte[]&gt; read(String key) { ... read the object at its final key ... }
 * }
 * </pre>
 *
 * Tests that need a capability the transport does not declare (fenced commits, whole puts,
 * checksums reported by the store) are skipped, not failed.
 */
public abstract class TransportContract {
    /** What the mover stores with every object: a fingerprint and the source's mtime, plus a key of ours. */
    private static final Map<String, String> METADATA = Map.of("contract-test", "yes",
            MetadataKeys.FINGERPRINT, "size=1;mtime=1700000000000000000;inode=7", MetadataKeys.MTIME_NANOS,
            "1700000000000000000");

    private Transport transport;
    private TransportSession session;
    private final String prefix = "contract-" + UUID.randomUUID() + "/";

    /** @return a new transport on an empty (or private) destination; closed after each test */
    protected abstract Transport newTransport() throws Exception;

    /**
     * @param key a final key
     * @return the bytes stored at it, read directly from the destination, or empty if none
     */
    protected abstract Optional<byte[]> read(String key) throws Exception;

    /** @return the range size the tests prefer; raised to the transport's minimum */
    protected long preferredRangeSize() {
        return 64 * 1024;
    }

    @BeforeEach
    void openTransport() throws Exception {
        transport = newTransport();
        session = transport.openSession(transport.endpoints().get(0));
    }

    @AfterEach
    void closeTransport() {
        session.close();
        transport.close();
        transport.close(); // idempotent
    }

    @Test
    void everyEndpointIsHealthyAndOpensASession() {
        assertThat(transport.endpoints()).isNotEmpty().doesNotHaveDuplicates();
        for (String e : transport.endpoints()) {
            transport.checkHealth(e);
            try (TransportSession s = transport.openSession(e)) {
                assertThat(s.endpointId()).isEqualTo(e);
            }
        }
    }

    @Test
    void rangesWrittenInAnyAllowedOrderCompleteCommitAndReadBackByteForByte() throws Exception {
        long range = transport.capabilities().rangeSizeFor(3 * preferredRangeSize(), preferredRangeSize());
        byte[] content = bytes((int) (2 * range + 1234), 1);
        String key = prefix + "dir/sub/file.bin";

        Upload upload = session.open(key, "attempt-1", content.length, range, METADATA);
        List<RangeReceipt> receipts = writeRanges(session, upload, content, range);
        session.complete(upload, receipts, crc(content, 0, content.length));
        assertThat(session.stat(key)).as("nothing at the final key before the commit").isEmpty();
        session.commit(upload, METADATA);

        assertThat(read(key)).get().isEqualTo(content);
        TargetStat stat = session.stat(key).orElseThrow();
        assertThat(stat.size()).isEqualTo(content.length);
        if (!stat.metadata().isEmpty()) {
            // A store that keeps metadata (S3 user metadata, POSIX user xattrs) returns what was given.
            assertThat(stat.metadata()).containsEntry(MetadataKeys.FINGERPRINT, METADATA.get(MetadataKeys.FINGERPRINT));
        }
    }

    @Test
    void anUploadOpenedOnOneSessionIsWrittenAndCommittedFromAnother() throws Exception {
        long range = transport.capabilities().rangeSizeFor(2 * preferredRangeSize(), preferredRangeSize());
        byte[] content = bytes((int) (range + 17), 2);
        String key = prefix + "shared.bin";
        Upload upload = session.open(key, "attempt-1", content.length, range, METADATA);
        try (TransportSession other = transport.openSession(transport.endpoints().get(0))) {
            List<RangeReceipt> receipts = writeRanges(other, upload, content, range);
            other.complete(upload, receipts, crc(content, 0, content.length));
            other.commit(upload, METADATA);
        }
        assertThat(read(key)).get().isEqualTo(content);
    }

    @Test
    void writingARangeAgainReplacesIt() throws Exception {
        long range = transport.capabilities().rangeSizeFor(preferredRangeSize(), preferredRangeSize());
        assumeTrue(transport.capabilities().writeMode() != WriteMode.APPEND_ONLY, "append-only transports");
        byte[] content = bytes((int) range, 3);
        String key = prefix + "rewritten.bin";
        Upload upload = session.open(key, "attempt-1", content.length, range, METADATA);
        session.write(upload, 0, ByteBuffer.wrap(bytes((int) range, 99)), crc(bytes((int) range, 99), 0, (int) range));
        RangeReceipt r = session.write(upload, 0, ByteBuffer.wrap(content), crc(content, 0, content.length));
        session.complete(upload, List.of(r), crc(content, 0, content.length));
        session.commit(upload, METADATA);
        assertThat(read(key)).get().isEqualTo(content);
    }

    /** The mover commits again when a commit's outcome is unknown; the first may have gone through. */
    @Test
    void aCommitRepeatedAfterAnAmbiguousFailureIsHarmless() throws Exception {
        byte[] content = bytes(1000, 4);
        String key = prefix + "twice.bin";
        Upload upload = uploadCompleted(key, content);
        session.commit(upload, METADATA);
        session.commit(upload, METADATA);
        assertThat(read(key)).get().isEqualTo(content);
    }

    @Test
    void anAbortedUploadLeavesNothingAtTheKey() throws Exception {
        long range = transport.capabilities().rangeSizeFor(preferredRangeSize(), preferredRangeSize());
        byte[] content = bytes((int) range, 5);
        String key = prefix + "aborted.bin";
        Upload upload = session.open(key, "attempt-1", content.length, range, METADATA);
        session.write(upload, 0, ByteBuffer.wrap(content), crc(content, 0, content.length));
        session.abort(upload);
        session.abort(upload); // best effort, repeatable
        assertThat(session.stat(key)).isEmpty();
        assertThat(read(key)).isEmpty();
    }

    /**
     * {@link TransportSession#resume}: another session (another process, in production) finds exactly
     * the recorded ranges the upload holds, not a range recorded with other content, and finishes the
     * upload from them byte for byte; an aborted upload resumes nothing. Skipped for a transport that
     * resumes nothing (the default).
     */
    @Test
    void anotherSessionResumesTheRangesAnUploadHoldsAndNothingOnceItIsAborted() throws Exception {
        long range = transport.capabilities().rangeSizeFor(3 * preferredRangeSize(), preferredRangeSize());
        byte[] content = bytes((int) (2 * range + 17), 6);
        String key = prefix + "resumed.bin";
        Upload upload = session.open(key, "attempt-1", content.length, range, METADATA);
        RangeReceipt r0 = session.write(upload, 0, ByteBuffer.wrap(content, 0, (int) range), crc(content, 0, (int) range));
        RangeReceipt r1 = session.write(upload, range, ByteBuffer.wrap(content, (int) range, (int) range),
                crc(content, (int) range, (int) range));
        RangeReceipt other1 = new RangeReceipt(r1.offset(), r1.length(), r1.crc32c() ^ 1,
                r1.tag() == null ? null : "\"not-its-tag\"");
        try (TransportSession other = transport.openSession(transport.endpoints().get(0))) {
            Optional<List<RangeReceipt>> held = other.resume(upload, List.of(r0, r1));
            assumeTrue(held.isPresent(), "this transport resumes nothing");
            assertThat(held.get()).containsExactly(r0, r1);
            assertThat(other.resume(upload, List.of(r0, other1)).orElseThrow()).containsExactly(r0);
            int tail = content.length - (int) (2 * range);
            RangeReceipt r2 = other.write(upload, 2 * range, ByteBuffer.wrap(content, (int) (2 * range), tail),
                    crc(content, (int) (2 * range), tail));
            other.complete(upload, List.of(r0, r1, r2), crc(content, 0, content.length));
            other.commit(upload, METADATA);
        }
        assertThat(read(key)).get().isEqualTo(content);

        Upload aborted = session.open(prefix + "resumed-aborted.bin", "attempt-2", content.length, range, METADATA);
        RangeReceipt a0 = session.write(aborted, 0, ByteBuffer.wrap(content, 0, (int) range), crc(content, 0, (int) range));
        session.abort(aborted);
        // absent, or (S3Proxy lists an aborted upload without parts) holding nothing
        assertThat(session.resume(aborted, List.of(a0)).map(List::isEmpty).orElse(true)).isTrue();
    }

    @Test
    void aKeyWithNothingStatsEmpty() {
        assertThat(session.stat(prefix + "never-written")).isEmpty();
    }

    @Test
    void anEmptyFileRoundTrips() throws Exception {
        String key = prefix + "empty.bin";
        Upload upload = uploadCompleted(key, new byte[0]);
        session.commit(upload, METADATA);
        assertThat(read(key)).get().isEqualTo(new byte[0]);
        assertThat(session.stat(key).orElseThrow().size()).isZero();
    }

    @Test
    void aWholeFileChecksumThatDoesNotMatchFailsTheCompleteWithChecksumMismatch() throws Exception {
        assumeTrue(transport.capabilities().reportsChecksum(), "the store reports no checksum");
        long range = transport.capabilities().rangeSizeFor(preferredRangeSize(), preferredRangeSize());
        byte[] content = bytes((int) range, 6);
        String key = prefix + "mismatch.bin";
        Upload upload = session.open(key, "attempt-1", content.length, range, METADATA);
        List<RangeReceipt> receipts = writeRanges(session, upload, content, range);
        assertThatThrownBy(() -> session.complete(upload, receipts, crc(content, 0, content.length) ^ 1))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH));
        session.abort(upload);
        assertThat(session.stat(key)).isEmpty();
    }

    @Test
    void aWholePutStoresTheFileAtItsFinalKey() throws Exception {
        long limit = transport.capabilities().wholePutLimit();
        assumeTrue(limit > 0, "no whole puts");
        byte[] content = bytes((int) Math.min(limit, 4096), 7);
        String key = prefix + "whole.bin";
        session.putWhole(key, ByteBuffer.wrap(content), crc(content, 0, content.length), METADATA);
        assertThat(read(key)).get().isEqualTo(content);
        assertThat(session.stat(key).orElseThrow().size()).isEqualTo(content.length);
    }

    @Test
    void aFencedCommitRefusesAKeyThatChangedAndKeepsWhatIsThere() throws Exception {
        assumeTrue(transport.capabilities().fencedCommits(), "commits are not fenced");
        String key = prefix + "fenced.bin";
        byte[] first = bytes(500, 8);
        session.commit(uploadCompleted(key, first), METADATA, CommitGuard.absent());
        Optional<TargetStat> seen = session.stat(key);
        assertThat(seen).get().extracting(TargetStat::version).isNotNull();

        Upload second = uploadCompleted(key, bytes(600, 9));
        assertThatThrownBy(() -> session.commit(second, METADATA, CommitGuard.absent()))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TARGET_CONFLICT);
                    assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
                });
        assertThat(read(key)).get().isEqualTo(first);

        byte[] third = bytes(700, 10);
        session.commit(uploadCompleted(key, third), METADATA, CommitGuard.matches(seen.get().version()));
        assertThat(read(key)).get().isEqualTo(third);
        session.abort(second);
    }

    // ------------------------------------------------------------------ helpers

    private Upload uploadCompleted(String key, byte[] content) {
        long range = transport.capabilities().rangeSizeFor(Math.max(1, content.length), preferredRangeSize());
        Upload upload = session.open(key, "attempt-" + UUID.randomUUID(), content.length, range, METADATA);
        List<RangeReceipt> receipts = writeRanges(session, upload, content, range);
        session.complete(upload, receipts, crc(content, 0, content.length));
        return upload;
    }

    /** Every range; in reverse order where the write mode allows any order. Receipts in offset order. */
    private List<RangeReceipt> writeRanges(TransportSession s, Upload upload, byte[] content, long range) {
        List<Long> offsets = new ArrayList<>();
        for (long off = 0; off < content.length; off += range) {
            offsets.add(off);
        }
        if (offsets.isEmpty()) {
            offsets.add(0L); // an empty file is one empty range, as the mover sends it
        }
        if (transport.capabilities().writeMode() != WriteMode.APPEND_ONLY) {
            Collections.reverse(offsets);
        }
        List<RangeReceipt> receipts = new ArrayList<>();
        for (long off : offsets) {
            int len = (int) Math.min(range, content.length - off);
            receipts.add(s.write(upload, off, ByteBuffer.wrap(content, (int) off, len), crc(content, (int) off, len)));
        }
        receipts.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return receipts;
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
