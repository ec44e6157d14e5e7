package io.migrate.error;

/**
 * Stable, documented error codes of every failure the library reports.
 *
 * <p>Names never change once released: hosts persist them (task results, Kafka messages) and
 * decide on them (the storage platform retries {@linkplain #retryable() retryable} codes).
 * The reference with the meaning of each code is {@code docs/errors.md}.
 */
public enum ErrorCode {
    // --- a task file or submission that is malformed: the task goes to failed/ ---
    /** The task file is not valid JSON or not a JSON object. */
    INVALID_JSON(false),
    /** A required field is absent. */
    MISSING_FIELD(false),
    /** A field has the wrong JSON type or an impossible value. */
    INVALID_FIELD(false),
    /** The task's schema version is not one this release reads. */
    UNSUPPORTED_SCHEMA_VERSION(false),
    /** More file entries than the configured maximum per task. */
    TOO_MANY_FILES(false),
    /** The task file is larger than any valid task can be. */
    TASK_FILE_TOO_LARGE(false),
    /** A source path is absolute. */
    ABSOLUTE_PATH(false),
    /** A source path climbs out of the source root ({@code ..}). */
    PATH_TRAVERSAL(false),
    /** A path or key is empty or has an empty segment. */
    EMPTY_NAME(false),
    /** A path or key contains a NUL or another character no filesystem or store accepts. */
    ILLEGAL_CHARACTER(false),
    /** A name is not valid UTF-8. */
    INVALID_ENCODING(false),
    /** A target key is not acceptable for the destination. */
    INVALID_TARGET_KEY(false),
    /** The same source path or the same target key appears twice in one task. */
    DUPLICATE_ENTRY(false),
    /** A task with this id already exists in the task root (in any state); the submission was refused. */
    TASK_ID_EXISTS(false),
    /**
     * An entry of a task directory that is not a task file (a directory, a symbolic link, a FIFO,
     * a name that is not a task id): moved to {@code rejected/}, never read.
     */
    NOT_A_TASK_FILE(false),
    /** The same task id is in two places of the task root; the copy further along is kept. */
    DUPLICATE_TASK_ID(false),

    // --- a source file that cannot be migrated ---
    /** The source file does not exist. */
    SOURCE_NOT_FOUND(false),
    /** The source resolves (for example through a symlink) outside the configured source root. */
    SOURCE_OUTSIDE_ROOT(false),
    /** The source is a directory, device or other non-regular file. */
    SOURCE_NOT_REGULAR_FILE(false),
    /** The source cannot be read (permissions, I/O error). */
    SOURCE_UNREADABLE(false),
    /** The source's fingerprint changed while it was copied; nothing was committed. */
    SOURCE_CHANGED(true),
    /**
     * The file is too large for this node's settings: to stay within the transport's range count
     * (S3 multipart: 10,000 parts) its ranges would have to be larger than the mover's buffer
     * memory ({@code mover.maxInFlightBytes}, at most 2 GiB per range) or than the transport's
     * largest range. Found when the file's task starts, before anything is sent; raise
     * {@code mover.maxInFlightBytes} to at least the range size the message names.
     */
    FILE_TOO_LARGE(false),

    // --- the destination ---
    /** The destination is out of space or over quota; nothing more is sent to it. */
    QUOTA_EXCEEDED(false),
    /** The destination refused the credentials or the operation. */
    ACCESS_DENIED(false),
    /** The destination container (bucket, directory) does not exist. */
    TARGET_NOT_FOUND(false),
    /** A range or file checksum did not match what the destination stored. */
    CHECKSUM_MISMATCH(true),
    /** A request was rejected as malformed (part sizing, offsets): a bug or misconfiguration. */
    INVALID_REQUEST(false),
    /** Transient transport errors persisted through every retry and failover. */
    TRANSPORT_FAILED(true),
    /** No healthy destination endpoint was available. */
    ENDPOINTS_UNAVAILABLE(true),
    /**
     * A fenced commit found the final key changed since this attempt began (another attempt
     * committed it); nothing was written. The mover resolves it before it reaches a result.
     */
    TARGET_CONFLICT(true),
    /**
     * Another run owns the task now; this attempt wrote nothing to the file's final key and its
     * outcome is the other run's.
     */
    SUPERSEDED(false),

    // --- control ---
    /** The work was cancelled (task reclaimed, node shutting down). */
    CANCELLED(true),
    /** This node no longer owns the task (it was reclaimed while presumed dead). */
    LOST_OWNERSHIP(true),
    /** The task failed more often than the configured maximum attempts. */
    MAX_ATTEMPTS_EXCEEDED(false),
    /** The task was reclaimed or reassigned more often than the configured limit. */
    TOO_MANY_REASSIGNMENTS(false),
    /** This node is not, or no longer, the leader. */
    NOT_LEADER(true),
    /** A higher leader epoch exists on the task root: this leader is fenced off. */
    FENCED(true),
    /** The leader election or membership backend cannot be reached. */
    HA_UNAVAILABLE(true),
    /** The task root could not be read or written. */
    TASK_STORE_IO(true),
    /** No task with this id is on the task root (never submitted, or archived and purged). */
    TASK_NOT_FOUND(false),
    /** A result could not be published. */
    PUBLISH_FAILED(true),
    /** A configuration value is missing or out of range. */
    INVALID_CONFIGURATION(false),
    /** A bug: an unexpected exception. */
    INTERNAL(false);

    private final boolean retryable;

    ErrorCode(boolean retryable) {
        this.retryable = retryable;
    }

    /**
     * Whether trying the same work again later can succeed without anybody changing the input.
     *
     * @return true for transient conditions
     */
    public boolean retryable() {
        return retryable;
    }
}
