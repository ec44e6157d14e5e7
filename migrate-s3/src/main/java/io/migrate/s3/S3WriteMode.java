package io.migrate.s3;

/**
 * How {@link S3Transport} writes the ranges of one file. See {@code docs/s3.md} for which
 * stores offer which mode.
 */
public enum S3WriteMode {
    /**
     * Standard S3 multipart upload (every S3-compatible store): each range is one part of a
     * fixed size (at least 5 MiB except the last, at most 10,000 parts), parts go concurrently
     * over any session. The default.
     */
    MULTIPART,
    /**
     * The store's own write at an offset (Dell ECS {@code Range} PUT, Huawei OBS parallel file
     * systems {@code ?modify&position=N}, or a configured {@link RequestShape}); ranges of one
     * file go concurrently.
     */
    OFFSET_WRITE,
    /**
     * Append-only stores (S3 Express {@code x-amz-write-offset-bytes}, Ceph RGW / OSS / OBS / COS
     * {@code ?append&position=N}, see {@link AppendDialect}): the ranges of one file go in order,
     * files still go in parallel.
     */
    APPEND
}
