package io.migrate.worker;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.time.Duration;

/**
 * Immutable settings of a {@link Worker}. Defaults follow the design; {@link Builder#build()}
 * validates every value and names the setting and its allowed range when one is wrong.
 * {@link #toBuilder()} reopens a config; each getter returns what was set.
 *
 * <p>Thread-safe (immutable).
 */
public final class WorkerConfig {
    private final int concurrency;
    private final Duration pollInterval;
    private final Duration heartbeatInterval;
    private final Duration leaseRenewInterval;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final Duration maxRetryBackoff;
    private final Duration shutdownTimeout;

    private WorkerConfig(Builder b) {
        this.concurrency = Require.inRange("worker.concurrency", b.concurrency, 1, 1024);
        this.pollInterval = Require.positive("worker.pollInterval", b.pollInterval);
        this.heartbeatInterval = Require.positive("worker.heartbeatInterval", b.heartbeatInterval);
        this.leaseRenewInterval = Require.positive("worker.leaseRenewInterval", b.leaseRenewInterval);
        this.maxAttempts = Require.inRange("task.maxAttempts", b.maxAttempts, 1, 1000);
        this.retryBackoff = Require.positive("worker.retryBackoff", b.retryBackoff);
        this.maxRetryBackoff = Require.positive("worker.maxRetryBackoff", b.maxRetryBackoff);
        if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new ConfigurationException("worker.maxRetryBackoff",
                    "must be at least worker.retryBackoff (" + retryBackoff + "), was " + maxRetryBackoff);
        }
        this.shutdownTimeout = Require.positive("worker.shutdownTimeout", b.shutdownTimeout);
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the defaults */
    public static WorkerConfig defaults() {
        return builder().build();
    }

    /**
     * Reopens this configuration, e.g. to change one setting of a host's defaults.
     *
     * @return a new builder holding this configuration's settings; changing it never changes
     *     this configuration, and building it unchanged gives a config equal in every getter
     */
    public Builder toBuilder() {
        return new Builder().concurrency(concurrency).pollInterval(pollInterval).heartbeatInterval(heartbeatInterval)
                .leaseRenewInterval(leaseRenewInterval).maxAttempts(maxAttempts).retryBackoff(retryBackoff)
                .maxRetryBackoff(maxRetryBackoff).shutdownTimeout(shutdownTimeout);
    }

    /** @return tasks executed at once on this node (default 2; the mover parallelises inside a task) */
    public int concurrency() {
        return concurrency;
    }

    /** @return how often the inbox is polled when no notification arrives (default 1 s) */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** @return how often {@code Membership.heartbeat()} is called at least (default 5 s) */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * @return least time between two lease renewals of one task, and the period at which the
     *     worker renews leases of tasks that made progress and checks it still owns the others
     *     (default 10 s; must stay well under the leader's task timeout)
     */
    public Duration leaseRenewInterval() {
        return leaseRenewInterval;
    }

    /** @return attempts per task; a retry beyond goes to failed/ (default 5) */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return delay before the first retry; doubles per attempt (default 30 s) */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /** @return the longest retry delay (default 30 min) */
    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /** @return how long {@link Worker#close()} waits for executions to stop (default 30 s) */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /**
     * @param failedAttempt the attempt that failed, 1-based
     * @return the delay before its retry: {@code retryBackoff * 2^(failedAttempt-1)}, capped
     */
    public Duration backoffAfter(int failedAttempt) {
        int shift = Math.min(Math.max(failedAttempt - 1, 0), 30);
        Duration d = retryBackoff.multipliedBy(1L << shift);
        return d.compareTo(maxRetryBackoff) > 0 ? maxRetryBackoff : d;
    }

    @Override
    public String toString() {
        return "WorkerConfig[concurrency=" + concurrency + ", poll=" + pollInterval + ", heartbeat="
                + heartbeatInterval + ", leaseRenew=" + leaseRenewInterval + ", maxAttempts=" + maxAttempts
                + ", backoff=" + retryBackoff + ".." + maxRetryBackoff + "]";
    }

    /** Builds a {@link WorkerConfig}. Not thread-safe. */
    public static final class Builder {
        private int concurrency = 2;
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private Duration leaseRenewInterval = Duration.ofSeconds(10);
        private int maxAttempts = 5;
        private Duration retryBackoff = Duration.ofSeconds(30);
        private Duration maxRetryBackoff = Duration.ofMinutes(30);
        private Duration shutdownTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * @param v tasks at once, in [1, 1024]
         * @return this
         */
        public Builder concurrency(int v) {
            this.concurrency = v;
            return this;
        }

        /**
         * @param v inbox poll period, positive
         * @return this
         */
        public Builder pollInterval(Duration v) {
            this.pollInterval = v;
            return this;
        }

        /**
         * @param v heartbeat period, positive
         * @return this
         */
        public Builder heartbeatInterval(Duration v) {
            this.heartbeatInterval = v;
            return this;
        }

        /**
         * @param v lease renewal period, positive
         * @return this
         */
        public Builder leaseRenewInterval(Duration v) {
            this.leaseRenewInterval = v;
            return this;
        }

        /**
         * @param v attempts per task, in [1, 1000]
         * @return this
         */
        public Builder maxAttempts(int v) {
            this.maxAttempts = v;
            return this;
        }

        /**
         * @param v first retry delay, positive
         * @return this
         */
        public Builder retryBackoff(Duration v) {
            this.retryBackoff = v;
            return this;
        }

        /**
         * @param v longest retry delay, at least the first
         * @return this
         */
        public Builder maxRetryBackoff(Duration v) {
            this.maxRetryBackoff = v;
            return this;
        }

        /**
         * @param v bounded wait in close(), positive
         * @return this
         */
        public Builder shutdownTimeout(Duration v) {
            this.shutdownTimeout = v;
            return this;
        }

        /**
         * @return the config
         * @throws io.migrate.error.ConfigurationException naming the first invalid setting
         */
        public WorkerConfig build() {
            return new WorkerConfig(this);
        }
    }
}
