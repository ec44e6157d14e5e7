package io.migrate.transport;

/**
 * What a transport can do, so the mover plans ranges it accepts.
 *
 * @param writeMode how ranges of one file may be written
 * @param minRangeSize the smallest range except the last (S3 multipart: 5 MiB), 1 if none
 * @param maxRangeSize the largest range, {@link Long#MAX_VALUE} if none
 * @param maxRanges the most ranges per file (S3 multipart: 10,000), {@link Integer#MAX_VALUE} if none
 * @param reportsChecksum whether {@link TransportSession#complete} can verify the whole-file
 *     CRC32C against what the destination stored
 */
public record TransportCapabilities(
        WriteMode writeMode, long minRangeSize, long maxRangeSize, int maxRanges, boolean reportsChecksum) {

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
}
