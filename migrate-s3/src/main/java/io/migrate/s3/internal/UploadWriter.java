package io.migrate.s3.internal;

import io.migrate.transport.CommitGuard;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * How one write mode stores a file: the mode-specific half of {@link S3Session}'s
 * {@code open}/{@code write}/{@code complete}/{@code commit}/{@code abort}. One implementation per
 * {@link io.migrate.s3.S3WriteMode} ({@link MultipartWriter}, {@link OffsetWriter},
 * {@link AppendWriter}); {@link S3Session} validates the arguments that do not depend on the
 * mode, then delegates. Each writer belongs to one session and its thread (not thread-safe), and
 * sends every request through that session's {@link S3Requests}.
 */
interface UploadWriter {

    /** See {@link TransportSession#open}; the key and sizes are already validated, metadata keys lower-cased. */
    Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> metadata);

    /** See {@link TransportSession#write}; the range lies inside the file and is not empty. */
    RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c);

    /** See {@link TransportSession#complete}. */
    void complete(Upload upload, List<RangeReceipt> ranges, int crc32c);

    /**
     * See {@link TransportSession#commit(Upload, Map, CommitGuard)}; parent markers are already
     * created, metadata keys lower-cased.
     */
    void commit(Upload upload, Map<String, String> metadata, CommitGuard guard);

    /** See {@link TransportSession#resume}; the default resumes nothing (the modes without parts). */
    default java.util.Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        return java.util.Optional.empty();
    }

    /** See {@link TransportSession#abort}. */
    void abort(Upload upload);
}
