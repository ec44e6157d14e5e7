package io.migrate.task;

import io.migrate.error.ErrorCode;
import java.time.Duration;

/**
 * The result of one file.
 *
 * @param sourcePath the entry's relative source path
 * @param targetKey the entry's target key
 * @param outcome what happened
 * @param code why it failed, null unless {@link FileOutcome#FAILED}
 * @param message detail for an operator, null when none (never contains credentials)
 * @param bytes bytes of the file (sent or already present)
 * @param checksum whole-file checksum as {@code crc32c:<8 hex>}, null when not computed
 * @param duration time spent on the file
 * @param attempts transport attempts, 1 when nothing was retried
 */
public record FileResult(
        String sourcePath,
        String targetKey,
        FileOutcome outcome,
        ErrorCode code,
        String message,
        long bytes,
        String checksum,
        Duration duration,
        int attempts) {

    /** @return whether the file is at its target, copied now or already there */
    public boolean succeeded() {
        return outcome != FileOutcome.FAILED;
    }
}
