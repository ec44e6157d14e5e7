package io.migrate.transport.posix;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of a {@link PosixTransport}: its endpoints (mount points of one destination), whether
 * it fsyncs, whether it copies local files in the kernel, and when its sweeper removes temporary
 * files no run comes back for (named like the S3 transport's settings of the same job). Immutable and thread-safe; built once
 * with {@link #builder()} (or {@link #of(Path)} for one directory) and reopened with
 * {@link #toBuilder()}. Every plug-in is made the same way, {@code XTransport.create(XConfig)}
 * (issue 17).
 */
public final class PosixTransportConfig {
    /**
     * The key an operator writes the endpoints under ({@code transport.posix.endpoints=id=dir,...}),
     * named in every error about them so that the message points at the line to fix, whether the
     * config came from a properties file or from this builder.
     */
    static final String ENDPOINTS = "transport.posix.endpoints";
    /** The prefix of every other key, so an error names the line an operator wrote. */
    static final String PREFIX = "transport.posix.";

    private static final Duration DEFAULT_STALE_UPLOAD_AGE = Duration.ofHours(24);
    private static final Duration DEFAULT_STALE_UPLOAD_SWEEP_INTERVAL = Duration.ofHours(1);

    private final Map<String, Path> endpoints;
    private final boolean fsync;
    private final boolean copyLocalFiles;
    private final Duration staleUploadAge;
    private final Duration staleUploadSweepInterval;

    private PosixTransportConfig(Builder b) {
        this.endpoints = Collections.unmodifiableMap(new LinkedHashMap<>(b.endpoints));
        this.fsync = b.fsync;
        this.copyLocalFiles = b.copyLocalFiles;
        this.staleUploadAge = b.staleUploadAge;
        this.staleUploadSweepInterval = b.staleUploadSweepInterval;
    }

    /**
     * @param root the destination directory
     * @return one endpoint {@code posix-0} at {@code root}, other settings at their defaults
     */
    public static PosixTransportConfig of(Path root) {
        return builder().endpoint("posix-0", root).build();
    }

    /** @return a builder with the defaults listed on its setters and no endpoint */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this config's settings */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.endpoints.putAll(endpoints);
        b.fsync = fsync;
        b.copyLocalFiles = copyLocalFiles;
        b.staleUploadAge = staleUploadAge;
        b.staleUploadSweepInterval = staleUploadSweepInterval;
        return b;
    }

    /** @return endpoint id to its root directory (absolute, normalised), in configuration order */
    public Map<String, Path> endpoints() {
        return endpoints;
    }

    /** @return whether {@code complete} fsyncs the file and {@code commit} its directory */
    public boolean fsync() {
        return fsync;
    }

    /** @return whether the transport copies ranges of local source files in the kernel */
    public boolean copyLocalFiles() {
        return copyLocalFiles;
    }

    /**
     * @return how long a temporary file must have been left unchanged (no write, no metadata change)
     *     before the sweeper removes it
     */
    public Duration staleUploadAge() {
        return staleUploadAge;
    }

    /** @return how often a sweep starts; {@link Duration#ZERO} disables the sweeper */
    public Duration staleUploadSweepInterval() {
        return staleUploadSweepInterval;
    }

    @Override
    public String toString() {
        return "PosixTransportConfig[endpoints=" + endpoints + ", fsync=" + fsync + ", copyLocalFiles="
                + copyLocalFiles + ", staleUploadAge=" + staleUploadAge + ", staleUploadSweepInterval="
                + staleUploadSweepInterval + "]";
    }

    /** Builds a {@link PosixTransportConfig}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Path> endpoints = new LinkedHashMap<>();
        private boolean fsync = true;
        private boolean copyLocalFiles = true;
        private Duration staleUploadAge = DEFAULT_STALE_UPLOAD_AGE;
        private Duration staleUploadSweepInterval = DEFAULT_STALE_UPLOAD_SWEEP_INTERVAL;

        private Builder() {
        }

        /**
         * Adds an endpoint: one mount point of the destination.
         *
         * @param id a unique id, used in logs and by the mover to spread threads
         * @param root the destination directory as seen through this mount
         * @return this
         * @throws ConfigurationException for a blank or duplicate id, or a null root
         */
        public Builder endpoint(String id, Path root) {
            Require.nonBlank(ENDPOINTS + " (an endpoint id)", id);
            Require.nonNull(ENDPOINTS + " (the directory of endpoint " + id + ")", root);
            if (endpoints.containsKey(id)) {
                throw new ConfigurationException(ENDPOINTS, "duplicate endpoint id " + id);
            }
            endpoints.put(id, root.toAbsolutePath().normalize());
            return this;
        }

        /**
         * @param fsync whether {@code complete} fsyncs the file and {@code commit} its directory
         *     (default true; turn off only for tests and benchmarks of throwaway data)
         * @return this
         */
        public Builder fsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /**
         * @param copy whether the transport declares
         *     {@link io.migrate.transport.TransportCapabilities#copiesLocalFiles()}, so the mover has
         *     it copy ranges of local source files in the kernel instead of reading them and writing
         *     the bytes (default true; off to compare the two paths, or where something other than
         *     the mover might truncate its temporary files, see {@link PosixTransport})
         * @return this
         */
        public Builder copyLocalFiles(boolean copy) {
            this.copyLocalFiles = copy;
            return this;
        }

        /**
         * @param age a temporary file ({@code .<name>.<token>.migrate-tmp}) left unchanged this long
         *     is removed by the sweeper; it must exceed the longest time an attempt leaves its file
         *     unwritten (a run that resumes a temporary file marks it changed first). Default 24 h,
         *     as {@code transport.s3.staleUploadAge}; must be positive
         * @return this
         */
        public Builder staleUploadAge(Duration age) {
            this.staleUploadAge = age;
            return this;
        }

        /**
         * @param interval how often a sweep starts (the first one interval after the transport is
         *     made); {@link Duration#ZERO} disables the sweeper; default 1 h, as
         *     {@code transport.s3.staleUploadSweepInterval}
         * @return this
         */
        public Builder staleUploadSweepInterval(Duration interval) {
            this.staleUploadSweepInterval = interval;
            return this;
        }

        /**
         * @return the config
         * @throws ConfigurationException without an endpoint, or for a stale-upload age that is not
         *     positive or a sweep interval that is negative (each naming its full key,
         *     {@code transport.posix.<key>})
         */
        public PosixTransportConfig build() {
            if (endpoints.isEmpty()) {
                throw new ConfigurationException(ENDPOINTS, "at least one endpoint is required");
            }
            Require.positive(PREFIX + "staleUploadAge", staleUploadAge);
            Require.nonNull(PREFIX + "staleUploadSweepInterval", staleUploadSweepInterval);
            if (staleUploadSweepInterval.isNegative()) {
                throw new ConfigurationException(PREFIX + "staleUploadSweepInterval",
                        "must be zero (off) or positive, was " + staleUploadSweepInterval);
            }
            return new PosixTransportConfig(this);
        }
    }
}
