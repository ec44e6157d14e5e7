package io.migrate.s3;

/**
 * Whether {@link S3Transport} fences its commits with the store's conditional writes
 * ({@code If-None-Match: *} / {@code If-Match: <ETag>} on PutObject and CompleteMultipartUpload),
 * so a paused node that wakes up after its task was re-run elsewhere cannot overwrite the newer
 * object (see {@code docs/failure-modes.md}).
 */
public enum ConditionalWrites {
    /**
     * Probe the store once when the transport is created (a conditional write that must fail, on a
     * key under the temp prefix, then removed) and use conditional writes for the requests it
     * enforces; commits it does not enforce are checked by a HEAD just before they are made. The
     * default.
     */
    PROBE,
    /** As {@link #PROBE}, but creating the transport fails unless the store enforces both requests. */
    REQUIRED,
    /**
     * Never send preconditions nor probe (stores or test servers that reject unknown headers);
     * commits are checked by a HEAD just before they are made.
     */
    OFF
}
