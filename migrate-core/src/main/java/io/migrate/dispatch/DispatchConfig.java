package io.migrate.dispatch;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.time.Duration;

/**
 * Immutable settings of the leader side: the {@link TaskDispatcher}, the {@link TaskReclaimer}
 * and the {@link LeaderGate}. Defaults are the design's; {@link Builder#build()} validates every
 * value and names the setting and its allowed range when one is wrong. {@link #toBuilder()}
 * reopens a config.
 *
 * <p>Each getter returns what was set, except {@link #reclaimGrace()} and {@link #fencedBackoff()}
 * when left unset: they then return their default derived from other settings, and
 * {@link #toBuilder()} leaves them unset, so the default follows a changed {@code nodeLease}.
 *
 * <p>Thread-safe (immutable).
 */
public final class DispatchConfig {
    private final Duration dispatchTick;
    private final Duration reclaimTick;
    private final int affinityGroupSize;
    private final int backlogThreshold;
    private final int inboxCap;
    private final int reclaimPerTick;
    private final int assignPerTarget;
    private final Duration rebalanceCooldown;
    private final Duration taskTimeout;
    private final Duration nodeLease;
    private final Duration reclaimGrace;
    private final int maxReassignments;
    private final int maxAttempts;
    private final Duration incomingTimeout;
    private final Duration fencedBackoff;
    // As set on the builder (null: derive the default), so that toBuilder() reopens what was set.
    private final Duration reclaimGraceSetting;
    private final Duration fencedBackoffSetting;

    private DispatchConfig(Builder b) {
        this.dispatchTick = Require.positive("dispatch.tick", b.dispatchTick);
        this.reclaimTick = Require.positive("reclaim.tick", b.reclaimTick);
        this.affinityGroupSize = Require.inRange("dispatch.affinityGroupSize", b.affinityGroupSize, 1, 1000);
        this.backlogThreshold = Require.inRange("dispatch.backlogThreshold", b.backlogThreshold, 1, 1_000_000);
        this.inboxCap = Require.inRange("dispatch.inboxCap", b.inboxCap, 1, 1_000_000);
        this.reclaimPerTick = Require.inRange("reclaim.rebalancePerTick", b.reclaimPerTick, 0, 1_000_000);
        this.assignPerTarget = Require.inRange("reclaim.rebalancePerTarget", b.assignPerTarget, 1, 1_000_000);
        this.rebalanceCooldown = Require.positive("reclaim.rebalanceCooldown", b.rebalanceCooldown);
        this.taskTimeout = Require.positive("reclaim.taskTimeout", b.taskTimeout);
        this.nodeLease = Require.positive("reclaim.nodeLease", b.nodeLease);
        Duration longestTick = dispatchTick.compareTo(reclaimTick) >= 0 ? dispatchTick : reclaimTick;
        this.reclaimGrace = b.reclaimGrace != null
                ? requireNonNegative("reclaim.grace", b.reclaimGrace)
                : nodeLease.plus(longestTick);
        this.maxReassignments = Require.inRange("reclaim.maxReassignments", b.maxReassignments, 1, 1_000_000);
        this.maxAttempts = Require.inRange("task.maxAttempts", b.maxAttempts, 1, 1000);
        this.incomingTimeout = Require.positive("reclaim.incomingTimeout", b.incomingTimeout);
        this.fencedBackoff = b.fencedBackoff != null
                ? requireNonNegative("leader.fencedBackoff", b.fencedBackoff)
                : reclaimGrace;
        this.reclaimGraceSetting = b.reclaimGrace;
        this.fencedBackoffSetting = b.fencedBackoff;
    }

    private static Duration requireNonNegative(String key, Duration value) {
        Require.nonNull(key, value);
        if (value.isNegative()) {
            throw new ConfigurationException(key, "must be zero or positive, was " + value);
        }
        return value;
    }

    /** @return a builder with the design's defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the defaults */
    public static DispatchConfig defaults() {
        return builder().build();
    }

    /**
     * Reopens this configuration. A reclaim grace or fenced backoff left unset stays unset, so
     * the builder derives it again from the settings it ends up with.
     *
     * @return a new builder holding this configuration's settings; changing it never changes
     *     this configuration, and building it unchanged gives a config equal in every getter
     */
    public Builder toBuilder() {
        return new Builder().dispatchTick(dispatchTick).reclaimTick(reclaimTick).affinityGroupSize(affinityGroupSize)
                .backlogThreshold(backlogThreshold).inboxCap(inboxCap).reclaimPerTick(reclaimPerTick)
                .assignPerTarget(assignPerTarget).rebalanceCooldown(rebalanceCooldown).taskTimeout(taskTimeout)
                .nodeLease(nodeLease).reclaimGrace(reclaimGraceSetting).maxReassignments(maxReassignments)
                .maxAttempts(maxAttempts).incomingTimeout(incomingTimeout).fencedBackoff(fencedBackoffSetting);
    }

    /** @return how often the dispatcher runs (default 5 s) */
    public Duration dispatchTick() {
        return dispatchTick;
    }

    /** @return how often the reclaimer runs besides membership events (default 80 s) */
    public Duration reclaimTick() {
        return reclaimTick;
    }

    /** @return k: consecutive pending tasks sent to one node together (default 5) */
    public int affinityGroupSize() {
        return affinityGroupSize;
    }

    /** @return backlog (inbox + running tasks) a node may reach; above it is overloaded (default 20) */
    public int backlogThreshold() {
        return backlogThreshold;
    }

    /** @return the most tasks the dispatcher ever puts in one inbox (default 20) */
    public int inboxCap() {
        return inboxCap;
    }

    /** @return n: inbox tasks moved off overloaded nodes per reclaim tick (default 10) */
    public int reclaimPerTick() {
        return reclaimPerTick;
    }

    /** @return m: tasks rebalanced to one target per reclaim tick (default 5) */
    public int assignPerTarget() {
        return assignPerTarget;
    }

    /** @return how long a rebalanced task never goes back to the node it left (default 10 min) */
    public Duration rebalanceCooldown() {
        return rebalanceCooldown;
    }

    /** @return a running task whose lease has not moved for this long is stalled (default 30 min) */
    public Duration taskTimeout() {
        return taskTimeout;
    }

    /** @return the membership's death-detection window (default 30 s); part of the grace */
    public Duration nodeLease() {
        return nodeLease;
    }

    /**
     * @return how long a new leader's reclaimer waits before acting (default node lease plus the
     *     longest tick), so that nodes starved during a failover are not declared dead
     */
    public Duration reclaimGrace() {
        return reclaimGrace;
    }

    /** @return reclaims plus rebalances after which a task goes to failed/ (default 10) */
    public int maxReassignments() {
        return maxReassignments;
    }

    /** @return attempts (stalled reclaims count as failed attempts) before failed/ (default 5) */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return age after which a submitter's temporary file in incoming/ is removed (default 15 min) */
    public Duration incomingTimeout() {
        return incomingTimeout;
    }

    /**
     * @return after being fenced by a higher epoch while the election still says LEADER, how
     *     long this node waits before taking a new epoch (default: the reclaim grace), so two
     *     nodes that both believe they lead do not take epochs from each other on every tick
     */
    public Duration fencedBackoff() {
        return fencedBackoff;
    }

    @Override
    public String toString() {
        return "DispatchConfig[dispatchTick=" + dispatchTick + ", reclaimTick=" + reclaimTick
                + ", k=" + affinityGroupSize + ", threshold=" + backlogThreshold + ", inboxCap=" + inboxCap
                + ", n=" + reclaimPerTick + ", m=" + assignPerTarget + ", cooldown=" + rebalanceCooldown
                + ", taskTimeout=" + taskTimeout + ", nodeLease=" + nodeLease + ", grace=" + reclaimGrace
                + ", maxReassignments=" + maxReassignments + ", maxAttempts=" + maxAttempts + "]";
    }

    /** Builds a {@link DispatchConfig}. Not thread-safe. */
    public static final class Builder {
        private Duration dispatchTick = Duration.ofSeconds(5);
        private Duration reclaimTick = Duration.ofSeconds(80);
        private int affinityGroupSize = 5;
        private int backlogThreshold = 20;
        private int inboxCap = 20;
        private int reclaimPerTick = 10;
        private int assignPerTarget = 5;
        private Duration rebalanceCooldown = Duration.ofMinutes(10);
        private Duration taskTimeout = Duration.ofMinutes(30);
        private Duration nodeLease = Duration.ofSeconds(30);
        private Duration reclaimGrace;
        private int maxReassignments = 10;
        private int maxAttempts = 5;
        private Duration incomingTimeout = Duration.ofMinutes(15);
        private Duration fencedBackoff;

        private Builder() {
        }

        /**
         * @param v dispatcher period, positive
         * @return this
         */
        public Builder dispatchTick(Duration v) {
            this.dispatchTick = v;
            return this;
        }

        /**
         * @param v reclaimer period, positive
         * @return this
         */
        public Builder reclaimTick(Duration v) {
            this.reclaimTick = v;
            return this;
        }

        /**
         * @param v k, in [1, 1000]
         * @return this
         */
        public Builder affinityGroupSize(int v) {
            this.affinityGroupSize = v;
            return this;
        }

        /**
         * @param v backlog threshold per node, in [1, 1000000]
         * @return this
         */
        public Builder backlogThreshold(int v) {
            this.backlogThreshold = v;
            return this;
        }

        /**
         * @param v inbox cap per node, in [1, 1000000]
         * @return this
         */
        public Builder inboxCap(int v) {
            this.inboxCap = v;
            return this;
        }

        /**
         * @param v n, rebalanced tasks per tick, in [0, 1000000] (0 disables rebalancing)
         * @return this
         */
        public Builder reclaimPerTick(int v) {
            this.reclaimPerTick = v;
            return this;
        }

        /**
         * @param v m, rebalanced tasks per target per tick, in [1, 1000000]
         * @return this
         */
        public Builder assignPerTarget(int v) {
            this.assignPerTarget = v;
            return this;
        }

        /**
         * @param v no-return window after a rebalance, positive
         * @return this
         */
        public Builder rebalanceCooldown(Duration v) {
            this.rebalanceCooldown = v;
            return this;
        }

        /**
         * @param v lease age that makes a running task stalled, positive
         * @return this
         */
        public Builder taskTimeout(Duration v) {
            this.taskTimeout = v;
            return this;
        }

        /**
         * @param v the membership's death-detection window, positive
         * @return this
         */
        public Builder nodeLease(Duration v) {
            this.nodeLease = v;
            return this;
        }

        /**
         * @param v reclaimer wait after gaining leadership, zero or positive; default lease + longest tick
         * @return this
         */
        public Builder reclaimGrace(Duration v) {
            this.reclaimGrace = v;
            return this;
        }

        /**
         * @param v reclaims and rebalances allowed per task, in [1, 1000000]
         * @return this
         */
        public Builder maxReassignments(int v) {
            this.maxReassignments = v;
            return this;
        }

        /**
         * @param v attempts allowed per task, in [1, 1000]
         * @return this
         */
        public Builder maxAttempts(int v) {
            this.maxAttempts = v;
            return this;
        }

        /**
         * @param v age of stale incoming temp files, positive
         * @return this
         */
        public Builder incomingTimeout(Duration v) {
            this.incomingTimeout = v;
            return this;
        }

        /**
         * @param v wait before re-taking an epoch after being fenced, zero or positive
         * @return this
         */
        public Builder fencedBackoff(Duration v) {
            this.fencedBackoff = v;
            return this;
        }

        /**
         * @return the config
         * @throws io.migrate.error.ConfigurationException naming the first invalid setting
         */
        public DispatchConfig build() {
            return new DispatchConfig(this);
        }
    }
}
