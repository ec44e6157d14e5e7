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
 */
public record TransportCapabilities(
        WriteMode writeMode, long minRangeSize, long maxRangeSize, int maxRanges, boolean reportsChecksum,
        long wholePutLimit, boolean copiesLocalFiles) {

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
        this(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum, 0, false);
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
                copiesLocalFiles);
    }

    /**
     * @param copies the new {@link #copiesLocalFiles}
     * @return the same capabilities with that flag
     */
    public TransportCapabilities withCopiesLocalFiles(boolean copies) {
        return new TransportCapabilities(writeMode, minRangeSize, maxRangeSize, maxRanges, reportsChecksum,
                wholePutLimit, copies);
    }
}
