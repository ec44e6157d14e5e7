package io.migrate.s3;

/**
 * Which per-range checksum {@link S3Transport} sends with each part or range, so that the store
 * rejects bytes damaged on the way. What a store verifies differs (measured, {@code docs/s3.md}):
 * S3Proxy 4.1.0 verifies {@code x-amz-checksum-crc32c}; Ceph RGW 16 ignores it (a wrong value
 * is accepted) and verifies {@code Content-MD5}.
 */
public enum ChecksumMode {
    /**
     * The default: probed once when the transport starts ({@code S3Transport.checksumMode()}
     * tells the result). A tiny object is put under the temporary prefix with a wrong
     * {@code x-amz-checksum-crc32c}: rejected means the store verifies CRC32C, which is then used;
     * accepted, the same with a wrong {@code Content-MD5}: rejected means MD5 is used. A store that
     * verifies neither gets CRC32C (compared when echoed) and a warning in the log: turn on
     * {@code readBackVerification}. If no endpoint answers the probe, CRC32C, with a warning.
     */
    AUTO,
    /**
     * {@code x-amz-checksum-crc32c} with the CRC32C the mover computed; a store that verifies it
     * rejects damaged bytes, and a CRC32C the store echoes back is compared.
     */
    CRC32C,
    /**
     * {@code Content-MD5}, computed here after checking the bytes against the mover's CRC32C:
     * verified by almost every S3-compatible store. Costs one MD5 pass over every byte.
     */
    MD5,
    /** No per-range checksum (only size and the optional read-back are verified). */
    NONE
}
