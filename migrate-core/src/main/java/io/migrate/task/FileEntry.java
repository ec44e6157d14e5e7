package io.migrate.task;

import java.util.Objects;

/**
 * One file of a task: where it is, relative to the task's source root, and where it goes.
 *
 * <p>Values are checked by {@link TaskValidator}, not here, so that a malformed task file can be
 * read, reported with a precise code and moved to {@code failed/}.
 *
 * @param sourcePath path relative to the task's source root, {@code /}-separated
 * @param targetKey the destination key (object key, or path relative to the destination root)
 */
public record FileEntry(String sourcePath, String targetKey) {
    /** @throws NullPointerException if either value is null */
    public FileEntry {
        Objects.requireNonNull(sourcePath, "sourcePath");
        Objects.requireNonNull(targetKey, "targetKey");
    }
}
