package io.migrate.node;

import java.util.Objects;

/**
 * A snapshot of a node's counters since it started. Zero for parts the node's roles do not run.
 *
 * <p>A class with named accessors and a {@link Builder}, not a record of positional values, so a
 * counter can be added without breaking a host that reads or builds snapshots (issue 17).
 * Immutable; value equality.
 */
public final class NodeMetrics {
    private final boolean leader;
    private final long epoch;
    private final long dispatched;
    private final long reclaimed;
    private final long rebalanced;
    private final long lostRaces;
    private final long fencings;
    private final long tasksCompleted;
    private final long tasksRejected;
    private final long lostOwnership;
    private final long bytesSent;
    private final long filesDone;
    private final long bufferHighWaterBytes;
    private final long bufferCapacityBytes;
    private final long resultsPublished;
    private final long publishFailures;

    private NodeMetrics(Builder b) {
        this.leader = b.leader;
        this.epoch = b.epoch;
        this.dispatched = b.dispatched;
        this.reclaimed = b.reclaimed;
        this.rebalanced = b.rebalanced;
        this.lostRaces = b.lostRaces;
        this.fencings = b.fencings;
        this.tasksCompleted = b.tasksCompleted;
        this.tasksRejected = b.tasksRejected;
        this.lostOwnership = b.lostOwnership;
        this.bytesSent = b.bytesSent;
        this.filesDone = b.filesDone;
        this.bufferHighWaterBytes = b.bufferHighWaterBytes;
        this.bufferCapacityBytes = b.bufferCapacityBytes;
        this.resultsPublished = b.resultsPublished;
        this.publishFailures = b.publishFailures;
    }

    /** @return a builder with every counter at zero (false) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this snapshot's values */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.leader = leader;
        b.epoch = epoch;
        b.dispatched = dispatched;
        b.reclaimed = reclaimed;
        b.rebalanced = rebalanced;
        b.lostRaces = lostRaces;
        b.fencings = fencings;
        b.tasksCompleted = tasksCompleted;
        b.tasksRejected = tasksRejected;
        b.lostOwnership = lostOwnership;
        b.bytesSent = bytesSent;
        b.filesDone = filesDone;
        b.bufferHighWaterBytes = bufferHighWaterBytes;
        b.bufferCapacityBytes = bufferCapacityBytes;
        b.resultsPublished = resultsPublished;
        b.publishFailures = publishFailures;
        return b;
    }

    /** @return whether this node held a leader epoch when the snapshot was taken */
    public boolean leader() {
        return leader;
    }

    /** @return the held leader epoch, 0 when none */
    public long epoch() {
        return epoch;
    }

    /** @return tasks moved from pending to an inbox */
    public long dispatched() {
        return dispatched;
    }

    /** @return tasks taken back from dead or stalled nodes */
    public long reclaimed() {
        return reclaimed;
    }

    /** @return inbox tasks moved off overloaded nodes */
    public long rebalanced() {
        return rebalanced;
    }

    /** @return transitions that found the task already moved; a rising count warns of split brain */
    public long lostRaces() {
        return lostRaces;
    }

    /** @return times a higher epoch fenced this leader */
    public long fencings() {
        return fencings;
    }

    /** @return tasks this node committed to {@code done/} */
    public long tasksCompleted() {
        return tasksCompleted;
    }

    /** @return invalid tasks this node moved to {@code failed/} */
    public long tasksRejected() {
        return tasksRejected;
    }

    /** @return executions stopped because the task was reclaimed from this node */
    public long lostOwnership() {
        return lostOwnership;
    }

    /** @return bytes the mover sent, each range once */
    public long bytesSent() {
        return bytesSent;
    }

    /** @return files the mover finished */
    public long filesDone() {
        return filesDone;
    }

    /** @return the most buffer memory the mover held at once */
    public long bufferHighWaterBytes() {
        return bufferHighWaterBytes;
    }

    /** @return the mover's buffer memory cap */
    public long bufferCapacityBytes() {
        return bufferCapacityBytes;
    }

    /** @return results the outbox published */
    public long resultsPublished() {
        return resultsPublished;
    }

    /** @return failed publish attempts (the results stay in {@code done/}) */
    public long publishFailures() {
        return publishFailures;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NodeMetrics m)) {
            return false;
        }
        return leader == m.leader
                && epoch == m.epoch
                && dispatched == m.dispatched
                && reclaimed == m.reclaimed
                && rebalanced == m.rebalanced
                && lostRaces == m.lostRaces
                && fencings == m.fencings
                && tasksCompleted == m.tasksCompleted
                && tasksRejected == m.tasksRejected
                && lostOwnership == m.lostOwnership
                && bytesSent == m.bytesSent
                && filesDone == m.filesDone
                && bufferHighWaterBytes == m.bufferHighWaterBytes
                && bufferCapacityBytes == m.bufferCapacityBytes
                && resultsPublished == m.resultsPublished
                && publishFailures == m.publishFailures;
    }

    @Override
    public int hashCode() {
        return Objects.hash(leader, epoch, dispatched, reclaimed, rebalanced, lostRaces,
                fencings, tasksCompleted, tasksRejected, lostOwnership, bytesSent, filesDone,
                bufferHighWaterBytes, bufferCapacityBytes, resultsPublished, publishFailures);
    }

    @Override
    public String toString() {
        return "NodeMetrics["
                + "leader=" + leader
                + ", epoch=" + epoch
                + ", dispatched=" + dispatched
                + ", reclaimed=" + reclaimed
                + ", rebalanced=" + rebalanced
                + ", lostRaces=" + lostRaces
                + ", fencings=" + fencings
                + ", tasksCompleted=" + tasksCompleted
                + ", tasksRejected=" + tasksRejected
                + ", lostOwnership=" + lostOwnership
                + ", bytesSent=" + bytesSent
                + ", filesDone=" + filesDone
                + ", bufferHighWaterBytes=" + bufferHighWaterBytes
                + ", bufferCapacityBytes=" + bufferCapacityBytes
                + ", resultsPublished=" + resultsPublished
                + ", publishFailures=" + publishFailures + "]";
    }

    /** Builds a {@link NodeMetrics}; every counter defaults to zero. Not thread-safe. */
    public static final class Builder {
        private boolean leader;
        private long epoch;
        private long dispatched;
        private long reclaimed;
        private long rebalanced;
        private long lostRaces;
        private long fencings;
        private long tasksCompleted;
        private long tasksRejected;
        private long lostOwnership;
        private long bytesSent;
        private long filesDone;
        private long bufferHighWaterBytes;
        private long bufferCapacityBytes;
        private long resultsPublished;
        private long publishFailures;

        private Builder() {
        }

        /**
         * @param value whether this node held a leader epoch when the snapshot was taken
         * @return this
         */
        public Builder leader(boolean value) {
            this.leader = value;
            return this;
        }

        /**
         * @param value the held leader epoch, 0 when none
         * @return this
         */
        public Builder epoch(long value) {
            this.epoch = value;
            return this;
        }

        /**
         * @param value tasks moved from pending to an inbox
         * @return this
         */
        public Builder dispatched(long value) {
            this.dispatched = value;
            return this;
        }

        /**
         * @param value tasks taken back from dead or stalled nodes
         * @return this
         */
        public Builder reclaimed(long value) {
            this.reclaimed = value;
            return this;
        }

        /**
         * @param value inbox tasks moved off overloaded nodes
         * @return this
         */
        public Builder rebalanced(long value) {
            this.rebalanced = value;
            return this;
        }

        /**
         * @param value transitions that found the task already moved; a rising count warns of split brain
         * @return this
         */
        public Builder lostRaces(long value) {
            this.lostRaces = value;
            return this;
        }

        /**
         * @param value times a higher epoch fenced this leader
         * @return this
         */
        public Builder fencings(long value) {
            this.fencings = value;
            return this;
        }

        /**
         * @param value tasks this node committed to {@code done/}
         * @return this
         */
        public Builder tasksCompleted(long value) {
            this.tasksCompleted = value;
            return this;
        }

        /**
         * @param value invalid tasks this node moved to {@code failed/}
         * @return this
         */
        public Builder tasksRejected(long value) {
            this.tasksRejected = value;
            return this;
        }

        /**
         * @param value executions stopped because the task was reclaimed from this node
         * @return this
         */
        public Builder lostOwnership(long value) {
            this.lostOwnership = value;
            return this;
        }

        /**
         * @param value bytes the mover sent, each range once
         * @return this
         */
        public Builder bytesSent(long value) {
            this.bytesSent = value;
            return this;
        }

        /**
         * @param value files the mover finished
         * @return this
         */
        public Builder filesDone(long value) {
            this.filesDone = value;
            return this;
        }

        /**
         * @param value the most buffer memory the mover held at once
         * @return this
         */
        public Builder bufferHighWaterBytes(long value) {
            this.bufferHighWaterBytes = value;
            return this;
        }

        /**
         * @param value the mover's buffer memory cap
         * @return this
         */
        public Builder bufferCapacityBytes(long value) {
            this.bufferCapacityBytes = value;
            return this;
        }

        /**
         * @param value results the outbox published
         * @return this
         */
        public Builder resultsPublished(long value) {
            this.resultsPublished = value;
            return this;
        }

        /**
         * @param value failed publish attempts (the results stay in {@code done/})
         * @return this
         */
        public Builder publishFailures(long value) {
            this.publishFailures = value;
            return this;
        }

        /** @return the snapshot */
        public NodeMetrics build() {
            return new NodeMetrics(this);
        }
    }
}
