package io.migrate.node;

/**
 * A snapshot of a node's counters since it started. Zero for parts the node's roles do not run.
 *
 * @param leader whether this node held a leader epoch when the snapshot was taken
 * @param epoch the held leader epoch, 0 when none
 * @param dispatched tasks moved from pending to an inbox
 * @param reclaimed tasks taken back from dead or stalled nodes
 * @param rebalanced inbox tasks moved off overloaded nodes
 * @param lostRaces transitions that found the task already moved; a rising count warns of split brain
 * @param fencings times a higher epoch fenced this leader
 * @param tasksCompleted tasks this node committed to {@code done/}
 * @param tasksRejected invalid tasks this node moved to {@code failed/}
 * @param lostOwnership executions stopped because the task was reclaimed from this node
 * @param bytesSent bytes the mover sent, each range once
 * @param filesDone files the mover finished
 * @param bufferHighWaterBytes the most buffer memory the mover held at once
 * @param bufferCapacityBytes the mover's buffer memory cap
 * @param resultsPublished results the outbox published
 * @param publishFailures failed publish attempts (the results stay in {@code done/})
 */
public record NodeMetrics(
        boolean leader,
        long epoch,
        long dispatched,
        long reclaimed,
        long rebalanced,
        long lostRaces,
        long fencings,
        long tasksCompleted,
        long tasksRejected,
        long lostOwnership,
        long bytesSent,
        long filesDone,
        long bufferHighWaterBytes,
        long bufferCapacityBytes,
        long resultsPublished,
        long publishFailures) {
}
