package io.migrate.task;

/**
 * The result of a transition. A rename is the compare-and-swap of ownership: when the source
 * has already moved, the transition is {@link #LOST_RACE}, a normal outcome that callers count
 * and never retry blindly.
 */
public enum MoveOutcome {
    /** The task is now in the target state, moved by this call. */
    MOVED,
    /** The task was no longer where the ref said: someone else moved it first. */
    LOST_RACE
}
