package io.migrate.transport;

import java.util.Map;

/**
 * What the destination holds at a key.
 *
 * @param size bytes
 * @param metadata the user metadata stored with it (source fingerprint, checksum), immutable
 * @param version an opaque token that changes whenever the object at the key is replaced (S3: the
 *     ETag; POSIX: device, inode, size and mtime), for {@link CommitGuard#matches}; null if the
 *     transport reports none
 */
public record TargetStat(long size, Map<String, String> metadata, String version) {
    /** Copies the metadata. */
    public TargetStat {
        metadata = Map.copyOf(metadata);
    }

    /**
     * A stat without a version (its commits cannot be fenced by {@link CommitGuard#matches}).
     *
     * @param size bytes
     * @param metadata the user metadata
     */
    public TargetStat(long size, Map<String, String> metadata) {
        this(size, metadata, null);
    }
}
