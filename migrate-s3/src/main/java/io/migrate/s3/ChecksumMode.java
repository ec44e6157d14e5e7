package io.migrate.s3;

/** Which per-range checksum {@link S3Transport} sends with each part or range. */
public enum ChecksumMode {
    /**
     * {@code x-amz-checksum-crc32c} with the CRC32C the mover computed; the store verifies it and
     * echoes it back, and the echo is compared. The default.
     */
    CRC32C,
    /** {@code Content-MD5}, computed here: accepted by almost every S3-compatible store. */
    MD5,
    /** No per-range checksum (only size and the optional read-back are verified). */
    NONE
}
