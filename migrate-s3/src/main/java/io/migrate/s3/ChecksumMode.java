package io.migrate.s3;

/**
 * Which per-range checksum {@link S3Transport} sends with each part or range, so that the store
 * rejects bytes damaged on the way. What a store verifies differs (measured, {@code docs/s3.md}):
 * S3Proxy 4.1.0 verifies {@code x-amz-checksum-crc32c}; Ceph RGW 16 ignores it (a wrong value
 * is accepted) and verifies {@code Content-MD5} and the signed payload's SHA-256.
 */
public enum ChecksumMode {
    /**
     * The default: probed once when the transport starts ({@code S3Transport.checksumMode()}
     * tells the result). A tiny object is put under the temporary prefix with a wrong
     * {@code x-amz-checksum-crc32c}: rejected means the store verifies CRC32C, which is then used
     * (it costs nothing: the mover computes it anyway). Accepted, the cheapest of the two checksums
     * that cost a pass over every byte is tried next: where this CPU hashes SHA-256 in hardware
     * (x86 SHA extensions, ARMv8 SHA2: less than half the cost of an MD5), {@link #SHA256} if the
     * store rejects a body signed with a wrong hash (not with {@code payloadSigning} {@code UNSIGNED}:
     * that checksum is the signed payload); then a wrong {@code Content-MD5}: rejected
     * means MD5 is used. A store that verifies none gets CRC32C (compared when echoed) and a
     * warning in the log: turn on {@code readBackVerification}. If no endpoint answers the probe,
     * CRC32C, with a warning.
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
    /**
     * The body signed whole: {@code x-amz-content-sha256} is the SHA-256 of the range (computed
     * after checking the bytes against the mover's CRC32C), sent as it is rather than
     * {@code aws-chunked}, over http and https; SigV4 stores verify it before they store the body.
     * One SHA-256 pass over every byte: 0.77 s per GiB with the CPU's SHA instructions against 1.85
     * for MD5 (measured, {@code docs/performance.md}); without them slower than MD5. The payload is
     * then signed whatever {@code payloadSigning} says (it cannot be {@code UNSIGNED}).
     */
    SHA256,
    /** No per-range checksum (only size and the optional read-back are verified). */
    NONE
}
