package io.migrate.s3;

/**
 * How requests over plain http sign their bodies (over https the SDK always sends
 * {@code UNSIGNED-PAYLOAD}: TLS protects the body). Signing the payload means hashing every byte
 * with SHA-256 and, for PutObject/UploadPart, streaming it as signed {@code aws-chunked} chunks:
 * about a third of the client's CPU per byte uploaded, and as much again on the server (measured
 * in {@code docs/performance.md}). The request itself is signed in every mode, including the
 * range's checksum header.
 */
public enum PayloadSigning {
    /**
     * The default: {@code UNSIGNED-PAYLOAD} over http when the start probe found a per-range checksum
     * the store verifies ({@link ChecksumMode#AUTO} resolved to CRC32C or MD5 because the store
     * rejected a wrong one), so every body is still checked by the store; the probe's own requests
     * go unsigned, so it measures exactly this path. Where the store verifies neither checksum, the
     * probe fails, or the checksum mode was set explicitly, payloads stay signed. The body is then
     * protected against corruption, not authenticated: on a network where someone may alter
     * traffic, use https or {@link #SIGNED}. Where the probe picks {@link ChecksumMode#SHA256} the
     * bodies are signed whole: the signature is the checksum.
     */
    AUTO,
    /** Always sign the payload over http (a SHA-256 of every byte): authenticates the body on an untrusted network. */
    SIGNED,
    /**
     * Always {@code UNSIGNED-PAYLOAD} over http, whatever the store verifies (only on a trusted
     * network); {@link ChecksumMode#AUTO} then never picks {@link ChecksumMode#SHA256}.
     */
    UNSIGNED
}
