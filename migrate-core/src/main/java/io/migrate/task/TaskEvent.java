package io.migrate.task;

import java.time.Instant;

/**
 * One entry of a task's history, appended to the task file by whoever changes its owner for a
 * reason worth keeping (reclaims, rebalancing, failure). Dispatch of a fresh task is not
 * recorded here (it is in the audit log).
 *
 * @param time when it happened (the actor's clock)
 * @param epoch the leader epoch of the actor, 0 when not a leader action
 * @param type what happened
 * @param fromNode the node the task was taken from, or null
 * @param toNode the node the task was given to, or null
 * @param reason a sentence for an operator
 */
public record TaskEvent(Instant time, long epoch, Type type, String fromNode, String toNode, String reason) {

    /** Kinds of history events. */
    public enum Type {
        /** Taken back from a dead node; the attempt is kept. */
        RECLAIMED_DEAD_NODE,
        /** Taken back because its lease expired on a live node; counts as a failed attempt. */
        RECLAIMED_STALLED,
        /** Moved from an overloaded node's inbox to another node. */
        REBALANCED,
        /** Moved to failed/. */
        FAILED
    }
}
