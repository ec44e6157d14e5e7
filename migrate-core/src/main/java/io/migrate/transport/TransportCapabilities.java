package io.migrate.transport;

/**
 * What a transport can do, so the mover plans ranges it accepts and picks the cheapest way to
 * store each file.
 *
 * @param writeMode how ranges of one file may be written
 * @param minRangeSize the smallest range except the last (S3 multipart: 5 MiB), 1 if none
 * @param maxRangeSize the largest range, {@link Long#MAX_VALUE} if none
 * @param maxRanges the most ranges per file (S3 multipart: 10,000), {@link Integer#MAX_VALUE} if none
 * @param reportsChecksum whether {@link TransportSession#complete} can verify the whole-file
 *     CRC32C against what the destination stored
 * @param wholePutLimit the largest file {@link TransportSession#putWhole} stores at its final key in
 *     one atomic, verified request; 0 if the transport has no such request (every file then goes
 *     through a temporary location and {@link TransportSession#commit})
 * @param copiesLocalFiles whether {@link TransportSession#copyRange} copies a range from a local
 *     file without the mover reading it (an in-kernel copy)
 * @param fencedCommits whether the store itself enforces the {@link CommitGuard} of
 *     {@link TransportSession#commit(Upload, java.util.Map, CommitGuard)} and
 *     {@link TransportSession#putWhole(String, java.nio.ByteBuffer, int, java.util.Map, CommitGuard)}
 *     atomically with the write (S3 conditional writes after a successful start probe); false where
 *     guards are ignored or only checked shortly before the write (POSIX: see
 *     {@code docs/failure-modes.md} for the window that leaves)
 */
public record TransportCapabilities(
        WriteMode writeMode, long minRangeSize, long maxRangeSize, int maxRanges, boolean reportsChecksum,
        long wholePutLimit, boolean copiesLocalFiles, boolean fencedCommits) {

    /**
     * Capabilities without store-enforced commit guards.
     *
     * @param writeMode how ranges of one file may be written
     * @param minRangeSize the smallest range except the last
     * @param maxRangeSize the largest range
     * @param maxRanges the most ranges per file
     * @param reportsChecksum whether complete verifies the whole-file CRC32C
     * @param wholePutLimit the largest file stored with one whole-file put, 0 for none
     * @param copiesLocalFiles whether copyRange copies local files in the kernel
     */
    public TransportCapabilities(
            WriteMode writeMode, long minRangeSize, long maxRangeSize, int maxRanges, boolean reportsChecksum,
            long wholePutLimit, boolean copiesLocalFiles) {
        this(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum, wholePutLimit, copiesLocalFiles,
                false);
    }

    /**
     * Capabilities without whole-file puts or local copies.
     *
     * @param writeMode how ranges of one file may be written
     * @param minRangeSize the smallest range except the last
     * @param maxRangeSize the largest range
     * @param maxRanges the most ranges per file
     * @param reportsChecksum whether complete verifies the whole-file CRC32C
     */
    public TransportCapabilities(
            WriteMode writeMode, long minRangeSize, long maxRangeSize, int maxRanges, boolean reportsChecksum) {
        this(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum, 0, false, false);
    }

    /**
     * The range size to use for a file: the preferred size, raised to fit the minimum and the
     * maximum number of ranges, capped at the maximum size.
     *
     * @param fileSize the file's size
     * @param preferred the configured range size
     * @return the range size to use
     */
    public long rangeSizeFor(long fileSize, long preferred) {
        long size = Math.max(preferred, minRangeSize);
        if (maxRanges != Integer.MAX_VALUE && fileSize > 0) {
            long needed = (fileSize + maxRanges - 1) / maxRanges;
            size = Math.max(size, needed);
        }
        return Math.min(size, maxRangeSize);
    }

    /**
     * @param limit the new {@link #wholePutLimit}
     * @return the same capabilities with that limit
     */
    public TransportCapabilities withWholePutLimit(long limit) {
        return new TransportCapabilities(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum, limit,
                copiesLocalFiles, fencedCommits);
    }

    /**
     * @param copies the new {@link #copiesLocalFiles}
     * @return the same capabilities with that flag
     */
    public TransportCapabilities withCopiesLocalFiles(boolean copies) {
        return new TransportCapabilities(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum,
                wholePutLimit, copies, fencedCommits);
    }

    /**
     * @param fenced the new {@link #fencedCommits}
     * @return the same capabilities with that flag
     */
    public TransportCapabilities withFencedCommits(boolean fenced) {
        return new TransportCapabilities(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum,
                wholePutLimit, copiesLocalFiles, fenced);
    }
}
