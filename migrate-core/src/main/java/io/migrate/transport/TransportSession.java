package io.migrate.transport;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * One connection to one destination endpoint, owned by one mover thread at a time (not
 * thread-safe). Every method throws {@link TransportException} classified as RETRY, FAILOVER or
 * PERMANENT; a session that threw FAILOVER is closed by the mover and not reused.
 */
public interface TransportSession extends AutoCloseable {

    /** @return the endpoint this session talks to */
    String endpointId();

    /**
     * Starts an upload to a temporary location unique to {@code attemptToken}.
     *
     * @param targetKey the final key
     * @param attemptToken unique per attempt (part of the temporary name)
     * @param size the file's size
     * @param rangeSize the range size the mover will use (from {@link TransportCapabilities#rangeSizeFor})
     * @param metadata fingerprint metadata to store with the object
     * @return the upload, usable from any session of the same transport
     */
    Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> metadata);

    /**
     * Writes one range. Writing the same range again replaces it (retries are idempotent).
     *
     * @param upload the upload
     * @param offset where the range starts; a multiple of {@link Upload#rangeSize()}
     * @param data the bytes, from position to limit; not retained after return
     * @param crc32c the CRC32C of those bytes, verified by the destination where it can
     * @return the receipt
     */
    RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c);

    /**
     * Completes the upload at its temporary location and verifies it.
     *
     * @param upload the upload
     * @param ranges every range's receipt, in offset order
     * @param crc32c the whole-file CRC32C
     * @throws TransportException with {@code CHECKSUM_MISMATCH} if the destination reports
     *     different content
     */
    void complete(Upload upload, List<RangeReceipt> ranges, int crc32c);

    /**
     * Moves the completed temporary object to its final key, creating missing parents, with
     * the given metadata. Idempotent: committing again after an ambiguous failure is safe.
     *
     * @param upload the completed upload
     * @param metadata final metadata (fingerprint and checksum)
     */
    void commit(Upload upload, Map<String, String> metadata);

    /**
     * {@link #commit(Upload, Map)} fenced by {@code guard}: the object reaches its final key only if
     * the key still holds what the guard requires. Where the transport's store enforces guards
     * ({@link TransportCapabilities#fencedCommits()}) the check and the write are one atomic step;
     * the default ignores the guard and commits unconditionally (an unfenced transport).
     *
     * @param upload the completed upload
     * @param metadata final metadata (fingerprint and checksum)
     * @param guard what the final key must hold
     * @throws TransportException {@link io.migrate.error.ErrorCode#TARGET_CONFLICT},
     *     {@link Disposition#PERMANENT}, if the guard failed; nothing was written to the final key
     *     and the upload is still committable (with another guard) or abortable
     */
    default void commit(Upload upload, Map<String, String> metadata, CommitGuard guard) {
        commit(upload, metadata);
    }

    /**
     * Which of the ranges an earlier attempt recorded (in its part ledger) the destination still
     * holds, exactly as recorded, so that a new attempt (another process, another node) can resume
     * that attempt's upload and send only the rest. The transport checks its own side: the upload
     * exists and each range is stored with the recorded length and tag (S3: {@code ListParts}, size
     * and ETag, and the part's CRC32C where the store reports one; POSIX: the temporary file has the
     * upload's size and the range's bytes have the recorded CRC32C). The caller checks the source
     * side (the range of the unchanged source still has that CRC32C) before it trusts a range, and
     * the commit verifies the whole upload as always: a resumed upload never skips verification.
     *
     * <p>An append-only upload (S3 APPEND) holds a prefix of the file: the recorded ranges from
     * offset 0 that its length covers, then whole ranges appended after the last record (a crash
     * between an append and its record), returned with the CRC32C of the bytes the destination
     * holds (read back), for the caller to check against the source like the recorded ones.
     *
     * @param upload the earlier attempt's upload, as it recorded it
     * @param recorded the ranges it recorded as written, in offset order
     * @return the recorded ranges still held intact (a subset of {@code recorded}; for an
     *     append-only upload, plus the whole ranges held beyond them); empty if the upload no
     *     longer exists (then nothing can be resumed and nothing needs aborting)
     * @implSpec the default resumes nothing (the upload starts over)
     */
    default Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        return Optional.empty();
    }

    /**
     * Abandons the upload and deletes whatever it wrote, best effort.
     *
     * @param upload the upload
     */
    void abort(Upload upload);

    /**
     * @param key a final key
     * @return what is stored there, or empty if nothing
     */
    Optional<TargetStat> stat(String key);

    /**
     * Stores a whole file at its final key in one request that the destination applies
     * atomically and verifies (readers see the old object or the complete new one, never part of
     * it). Called only for files of at most {@link TransportCapabilities#wholePutLimit()} bytes,
     * instead of {@code open}/{@code write}/{@code complete}/{@code commit}.
     *
     * @param targetKey the final key
     * @param data the file's bytes, from position to limit; not retained after return
     * @param crc32c the CRC32C of those bytes, verified by the destination where it can
     * @param metadata the final metadata (fingerprint and checksum)
     * @throws UnsupportedOperationException if the transport's {@code wholePutLimit} is 0
     */
    default void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata) {
        throw new UnsupportedOperationException(getClass().getName() + " has no whole-file put");
    }

    /**
     * {@link #putWhole(String, ByteBuffer, int, Map)} fenced by {@code guard}, as
     * {@link #commit(Upload, Map, CommitGuard)}. The default ignores the guard.
     *
     * @param targetKey the final key
     * @param data the file's bytes, from position to limit; not retained after return
     * @param crc32c the CRC32C of those bytes
     * @param metadata the final metadata
     * @param guard what the final key must hold
     * @throws TransportException {@link io.migrate.error.ErrorCode#TARGET_CONFLICT},
     *     {@link Disposition#PERMANENT}, if the guard failed; nothing was written
     */
    default void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata,
            CommitGuard guard) {
        putWhole(targetKey, data, crc32c, metadata);
    }

    /**
     * Copies one range of a local source file into the upload without the mover reading it (an
     * in-kernel copy), then computes the CRC32C of what the destination now holds for the range.
     * Called only when {@link TransportCapabilities#copiesLocalFiles()}, in place of
     * {@link #write}; the same offset rules apply.
     *
     * @param upload the upload
     * @param offset where the range starts, in the source and the destination
     * @param source the source file, opened for reading; its position is not used
     * @param length the range's length
     * @return the receipt, with the CRC32C of the bytes written
     * @throws TransportException SOURCE_CHANGED if the source ended before {@code offset + length}
     * @throws UnsupportedOperationException if the transport does not copy local files
     */
    default RangeReceipt copyRange(Upload upload, long offset, FileChannel source, long length) {
        throw new UnsupportedOperationException(getClass().getName() + " does not copy local files");
    }

    /**
     * Which of {@code keys} certainly do not exist, found with fewer requests than one
     * {@link #stat} per key (S3: one listing of their common prefix). Keys not in the answer may or
     * may not exist and are stat-ed as usual; the default knows nothing.
     *
     * @param keys final keys that share everything up to their last {@code '/'}
     * @return the keys known to be absent, a subset of {@code keys}
     */
    default Set<String> knownAbsent(SortedSet<String> keys) {
        return Set.of();
    }

    /** Closes the connection. Idempotent. */
    @Override
    void close();
}
