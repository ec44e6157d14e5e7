package io.migrate.transport;

/** How a transport accepts the ranges of one file. */
public enum WriteMode {
    /** Any range at any offset, concurrently (POSIX positional writes, ECS, OBS-PFS). */
    RANDOM_OFFSET,
    /** Aligned parts of a fixed size, concurrently, numbered by offset (S3 multipart). */
    ALIGNED_PARTS,
    /** Ranges in offset order only, one after the other (append stores). */
    APPEND_ONLY
}
