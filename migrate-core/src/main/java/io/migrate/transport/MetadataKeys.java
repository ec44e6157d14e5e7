package io.migrate.transport;

/**
 * Names of the user metadata the mover stores with every committed file (S3 user metadata,
 * POSIX {@code user.} extended attributes). Stable: a re-run recognises a file it already
 * committed by them.
 */
public final class MetadataKeys {
    /**
     * The source fingerprint at copy time: {@code s=<size>;m=<mtime ns>;i=<inode>;c=<ctime ns>}
     * (inode and ctime omitted where the source filesystem has none). The device number is left
     * out on purpose: it differs between nodes mounting the same share.
     */
    public static final String FINGERPRINT = "migrate-fingerprint";
    /** Whole-file checksum, {@code crc32c:<8 hex>}. */
    public static final String CHECKSUM = "migrate-crc32c";
    /** The source's modification time in nanoseconds since the epoch (decimal). */
    public static final String MTIME_NANOS = "migrate-mtime-ns";
    /** The source's permission bits in octal ({@code 0644}), where the source has them. */
    public static final String MODE = "migrate-mode";

    private MetadataKeys() {
    }
}
