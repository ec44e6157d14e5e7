package io.migrate.move;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Immutable settings of a {@link ParallelFileMover}. Build with {@link #builder()}, reopen with
 * {@link #toBuilder()}; every setting has a default from the design except the allowed source
 * roots, which the host must name. Each getter returns what was set, except
 * {@link #splitThreshold()} when left unset: it then returns its default, twice the range size,
 * and {@link #toBuilder()} leaves it unset so the default follows a changed range size.
 * Thread-safe (immutable).
 */
public final class MoverConfig {
    /** Default range size: 8 MiB. */
    public static final long DEFAULT_RANGE_SIZE = 8L << 20;
    /** Default cap on buffer memory: 256 MiB. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 256L << 20;
    /** Default retries per operation after the first try: 5. */
    public static final int DEFAULT_MAX_RETRIES = 5;

    private final int threads;
    private final long rangeSize;
    private final long maxInFlightBytes;
    private final long splitThreshold;
    private final int maxRetries;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration healthCheckInterval;
    private final Duration endpointWait;
    private final Duration cancelTimeout;
    private final Duration commitLeaseLimit;
    private final List<Path> allowedSourceRoots;
    // As set on the builder (-1: twice the range size), so that toBuilder() reopens what was set.
    private final long splitThresholdSetting;

    private MoverConfig(Builder b) {
        this.threads = b.threads;
        this.rangeSize = b.rangeSize;
        this.maxInFlightBytes = b.maxInFlightBytes;
        this.splitThreshold = b.splitThreshold < 0 ? 2 * b.rangeSize : b.splitThreshold;
        this.maxRetries = b.maxRetries;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.healthCheckInterval = b.healthCheckInterval;
        this.endpointWait = b.endpointWait;
        this.cancelTimeout = b.cancelTimeout;
        this.commitLeaseLimit = b.commitLeaseLimit;
        this.allowedSourceRoots = List.copyOf(b.allowedSourceRoots);
        this.splitThresholdSetting = b.splitThreshold;
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reopens this configuration. A split threshold left unset stays unset, so the builder
     * derives it again from the range size it ends up with.
     *
     * @return a new builder holding this configuration's settings; changing it never changes
     *     this configuration, and building it unchanged gives a config equal in every getter
     */
    public Builder toBuilder() {
        Builder b = new Builder().threads(threads).rangeSize(rangeSize).maxInFlightBytes(maxInFlightBytes)
                .splitThreshold(splitThresholdSetting).maxRetries(maxRetries).backoff(initialBackoff, maxBackoff)
                .healthCheckInterval(healthCheckInterval).endpointWait(endpointWait).cancelTimeout(cancelTimeout)
                .commitLeaseLimit(commitLeaseLimit);
        b.allowedSourceRoots.addAll(allowedSourceRoots); // already checked and normalized
        return b;
    }

    /** @return mover threads, each with its own transport session; default {@code max(4, 2 × cores)} */
    public int threads() {
        return threads;
    }

    /** @return preferred range size in bytes (the transport may raise it); default 8 MiB */
    public long rangeSize() {
        return rangeSize;
    }

    /** @return cap on buffer memory for file data in bytes; default 256 MiB */
    public long maxInFlightBytes() {
        return maxInFlightBytes;
    }

    /**
     * @return files larger than this are split into ranges moved concurrently; smaller files go
     *     range by range on one thread; default 2 × range size
     */
    public long splitThreshold() {
        return splitThreshold;
    }

    /** @return retries of one transport operation after its first try; default 5 */
    public int maxRetries() {
        return maxRetries;
    }

    /**
     * @return first retry delay, doubled per retry up to {@link #maxBackoff()}; each wait is drawn
     *     from [½, 1] of that delay ("equal jitter": threads that failed together spread out, and
     *     none retries sooner than half the delay); default 200 ms
     */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** @return upper bound of a retry delay; default 10 s */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** @return how often the heartbeat checks every endpoint; default 5 s */
    public Duration healthCheckInterval() {
        return healthCheckInterval;
    }

    /** @return how long an operation waits for a healthy endpoint before failing with
     *     {@code ENDPOINTS_UNAVAILABLE}; default 30 s */
    public Duration endpointWait() {
        return endpointWait;
    }

    /** @return how long a cancelled task waits for its in-flight ranges to stop; default 30 s */
    public Duration cancelTimeout() {
        return cancelTimeout;
    }

    /**
     * How long one file's completion and commit count as progress of the tasks waiting for it.
     * A commit moves no bytes the mover can count (a server-side copy, a multipart completion that
     * can take minutes on a large object), so while it runs the mover reports progress for it
     * ({@link io.migrate.worker.ExecutionContext#progress}) and the worker keeps renewing the task's
     * lease; after this long the reports stop, the lease ages, and the leader can reclaim the task
     * as stalled. Each transport request is bounded by the transport's own timeouts (S3:
     * {@code apiCallAttemptTimeout}); this bounds a commit that does not end anyway (a hung file
     * system call), and {@code Duration.ZERO} turns the renewal off.
     *
     * @return the longest a commit in progress renews its task's lease; default 12 h
     */
    public Duration commitLeaseLimit() {
        return commitLeaseLimit;
    }

    /** @return the roots a task's source root must lie in (immutable, at least one) */
    public List<Path> allowedSourceRoots() {
        return allowedSourceRoots;
    }

    @Override
    public String toString() {
        return "MoverConfig[threads=" + threads + ", rangeSize=" + rangeSize + ", maxInFlightBytes=" + maxInFlightBytes
                + ", splitThreshold=" + splitThreshold + ", maxRetries=" + maxRetries + ", initialBackoff="
                + initialBackoff + ", maxBackoff=" + maxBackoff + ", healthCheckInterval=" + healthCheckInterval
                + ", endpointWait=" + endpointWait + ", cancelTimeout=" + cancelTimeout + ", commitLeaseLimit="
                + commitLeaseLimit + ", allowedSourceRoots="
                + allowedSourceRoots + "]";
    }

    /** Builds a {@link MoverConfig}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private long rangeSize = DEFAULT_RANGE_SIZE;
        private long maxInFlightBytes = DEFAULT_MAX_IN_FLIGHT_BYTES;
        private long splitThreshold = -1;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Duration healthCheckInterval = Duration.ofSeconds(5);
        private Duration endpointWait = Duration.ofSeconds(30);
        private Duration cancelTimeout = Duration.ofSeconds(30);
        private Duration commitLeaseLimit = Duration.ofHours(12);
        private final List<Path> allowedSourceRoots = new ArrayList<>();

        private Builder() {
        }

        /**
         * @param threads mover threads, 1..1024
         * @return this
         */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * @param bytes preferred range size, 64 KiB..1 GiB
         * @return this
         */
        public Builder rangeSize(long bytes) {
            this.rangeSize = bytes;
            return this;
        }

        /**
         * @param bytes cap on buffer memory, at least one range size
         * @return this
         */
        public Builder maxInFlightBytes(long bytes) {
            this.maxInFlightBytes = bytes;
            return this;
        }

        /**
         * @param bytes files above this size are split into concurrent ranges, {@code >= 0}
         * @return this
         */
        public Builder splitThreshold(long bytes) {
            this.splitThreshold = bytes;
            return this;
        }

        /**
         * @param retries retries per operation, 0..100
         * @return this
         */
        public Builder maxRetries(int retries) {
            this.maxRetries = retries;
            return this;
        }

        /**
         * @param initial first retry delay, positive
         * @param max largest retry delay, {@code >= initial}
         * @return this
         */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /**
         * @param interval heartbeat period for endpoint health checks, positive
         * @return this
         */
        public Builder healthCheckInterval(Duration interval) {
            this.healthCheckInterval = interval;
            return this;
        }

        /**
         * @param wait how long to wait for a healthy endpoint, positive
         * @return this
         */
        public Builder endpointWait(Duration wait) {
            this.endpointWait = wait;
            return this;
        }

        /**
         * @param timeout bound on how long a cancelled task waits for its ranges, positive
         * @return this
         */
        public Builder cancelTimeout(Duration timeout) {
            this.cancelTimeout = timeout;
            return this;
        }

        /**
         * @param limit how long a commit in progress renews its task's lease
         *     ({@link MoverConfig#commitLeaseLimit()}), zero (off) or positive
         * @return this
         */
        public Builder commitLeaseLimit(Duration limit) {
            this.commitLeaseLimit = limit;
            return this;
        }

        /**
         * Allows tasks whose source root lies in {@code root} (after symlinks).
         *
         * @param root an absolute directory
         * @return this
         */
        public Builder allowSourceRoot(Path root) {
            Require.nonNull("mover.allowedSourceRoots", root);
            if (!root.isAbsolute()) {
                throw new ConfigurationException("mover.allowedSourceRoots", "must be absolute, was " + root);
            }
            allowedSourceRoots.add(root.normalize());
            return this;
        }

        /**
         * @return the config
         * @throws ConfigurationException naming the first setting out of range
         */
        public MoverConfig build() {
            Require.inRange("mover.threads", threads, 1, 1024);
            Require.inRange("mover.rangeSize", rangeSize, 64L << 10, 1L << 30);
            Require.inRange("mover.maxInFlightBytes", maxInFlightBytes, rangeSize, Long.MAX_VALUE);
            if (splitThreshold != -1) {
                Require.inRange("mover.splitThreshold", splitThreshold, 0, Long.MAX_VALUE);
            }
            Require.inRange("mover.maxRetries", maxRetries, 0, 100);
            Require.positive("mover.initialBackoff", initialBackoff);
            Require.positive("mover.maxBackoff", maxBackoff);
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new ConfigurationException("mover.maxBackoff", "must be >= initialBackoff " + initialBackoff
                        + ", was " + maxBackoff);
            }
            Require.positive("mover.healthCheckInterval", healthCheckInterval);
            Require.positive("mover.endpointWait", endpointWait);
            Require.positive("mover.cancelTimeout", cancelTimeout);
            Require.nonNull("mover.commitLeaseLimit", commitLeaseLimit);
            if (commitLeaseLimit.isNegative()) {
                throw new ConfigurationException("mover.commitLeaseLimit", "must be zero or positive, was "
                        + commitLeaseLimit);
            }
            if (allowedSourceRoots.isEmpty()) {
                throw new ConfigurationException("mover.allowedSourceRoots", "at least one allowed source root is required");
            }
            return new MoverConfig(this);
        }
    }
}
