package io.migrate.task;

/** What happened to one file of a task. */
public enum FileOutcome {
    /** Copied, verified and committed at its target by this attempt. */
    COPIED,
    /** The target already held this file with the same source fingerprint; nothing was sent. */
    SKIPPED_IDENTICAL,
    /** Not committed; {@link FileResult#code()} says why. */
    FAILED
}
