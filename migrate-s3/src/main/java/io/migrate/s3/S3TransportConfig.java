package io.migrate.s3;

import io.migrate.error.ConfigurationException;
import io.migrate.error.Require;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Immutable configuration of an {@link S3Transport}; build with {@link #builder()}. Every
 * setting has a default except the endpoints and the bucket. {@link #toString()} never shows
 * credentials.
 *
 * <p>Thread-safe (immutable).
 */
public final class S3TransportConfig {
    /** S3's smallest part except the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** S3's largest part (and largest single CopyObject). */
    public static final long MAX_PART_SIZE = 5L * 1024 * 1024 * 1024;
    /** S3's most parts per upload. */
    public static final int MAX_PARTS = 10_000;
    /** Error codes that mean "the destination is full" on Ceph and MinIO. */
    public static final Set<String> DEFAULT_QUOTA_ERROR_CODES =
            Set.of("QuotaExceeded", "XMinioAdminBucketQuotaExceeded", "XMinioStorageFull");

    private final List<URI> endpoints;
    private final String bucket;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final boolean explicitCredentials;
    private final S3WriteMode writeMode;
    private final RequestShape offsetWriteShape;
    private final AppendDialect appendDialect;
    private final String tempPrefix;
    private final boolean createParentMarkers;
    private final Set<String> quotaErrorCodes;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final Duration apiCallAttemptTimeout;
    private final int sdkRetries;
    private final int sessionsPerEndpoint;
    private final Duration sessionBorrowTimeout;
    private final Duration sessionIdleTimeout;
    private final Duration sessionValidationInterval;
    private final int serverErrorsBeforeFailover;
    private final ChecksumMode checksumMode;
    private final boolean readBackVerification;
    private final boolean directMultipartCommit;
    private final boolean directPut;
    private final boolean unsignedPayload;
    private final long multipartCopyThreshold;
    private final long copyPartSize;
    private final Duration staleUploadAge;
    private final Duration staleUploadSweepInterval;
    private final HealthProbe healthProbe;

    private S3TransportConfig(Builder b) {
        this.endpoints = List.copyOf(b.endpoints);
        this.bucket = b.bucket;
        this.region = b.region;
        this.credentials = b.credentials;
        this.explicitCredentials = b.explicitCredentials;
        this.writeMode = b.writeMode;
        this.offsetWriteShape = b.offsetWriteShape;
        this.appendDialect = b.appendDialect;
        this.tempPrefix = b.tempPrefix;
        this.createParentMarkers = b.createParentMarkers;
        this.quotaErrorCodes = Set.copyOf(b.quotaErrorCodes);
        this.connectTimeout = b.connectTimeout;
        this.socketTimeout = b.socketTimeout;
        this.apiCallAttemptTimeout = b.apiCallAttemptTimeout;
        this.sdkRetries = b.sdkRetries;
        this.sessionsPerEndpoint = b.sessionsPerEndpoint;
        this.sessionBorrowTimeout = b.sessionBorrowTimeout;
        this.sessionIdleTimeout = b.sessionIdleTimeout;
        this.sessionValidationInterval = b.sessionValidationInterval;
        this.serverErrorsBeforeFailover = b.serverErrorsBeforeFailover;
        this.checksumMode = b.checksumMode;
        this.readBackVerification = b.readBackVerification;
        this.directMultipartCommit = b.directMultipartCommit;
        this.directPut = b.directPut;
        this.unsignedPayload = b.unsignedPayload;
        this.multipartCopyThreshold = b.multipartCopyThreshold;
        this.copyPartSize = b.copyPartSize;
        this.staleUploadAge = b.staleUploadAge;
        this.staleUploadSweepInterval = b.staleUploadSweepInterval;
        this.healthProbe = b.healthProbe;
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from this configuration */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.endpoints.addAll(endpoints);
        b.bucket = bucket;
        b.region = region;
        b.credentials = credentials;
        b.explicitCredentials = explicitCredentials;
        b.writeMode = writeMode;
        b.offsetWriteShape = offsetWriteShape;
        b.appendDialect = appendDialect;
        b.tempPrefix = tempPrefix;
        b.createParentMarkers = createParentMarkers;
        b.quotaErrorCodes = new LinkedHashSet<>(quotaErrorCodes);
        b.connectTimeout = connectTimeout;
        b.socketTimeout = socketTimeout;
        b.apiCallAttemptTimeout = apiCallAttemptTimeout;
        b.sdkRetries = sdkRetries;
        b.sessionsPerEndpoint = sessionsPerEndpoint;
        b.sessionBorrowTimeout = sessionBorrowTimeout;
        b.sessionIdleTimeout = sessionIdleTimeout;
        b.sessionValidationInterval = sessionValidationInterval;
        b.serverErrorsBeforeFailover = serverErrorsBeforeFailover;
        b.checksumMode = checksumMode;
        b.readBackVerification = readBackVerification;
        b.directMultipartCommit = directMultipartCommit;
        b.directPut = directPut;
        b.unsignedPayload = unsignedPayload;
        b.multipartCopyThreshold = multipartCopyThreshold;
        b.copyPartSize = copyPartSize;
        b.staleUploadAge = staleUploadAge;
        b.staleUploadSweepInterval = staleUploadSweepInterval;
        b.healthProbe = healthProbe;
        return b;
    }

    /** @return the endpoints, in configured order (immutable) */
    public List<URI> endpoints() {
        return endpoints;
    }

    /** @return the bucket every key lives in */
    public String bucket() {
        return bucket;
    }

    /** @return the signing region */
    public String region() {
        return region;
    }

    /** @return the credentials provider (never log what it returns) */
    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    /** @return the write mode */
    public S3WriteMode writeMode() {
        return writeMode;
    }

    /** @return the request shape of {@link S3WriteMode#OFFSET_WRITE} */
    public RequestShape offsetWriteShape() {
        return offsetWriteShape;
    }

    /** @return the dialect of {@link S3WriteMode#APPEND} */
    public AppendDialect appendDialect() {
        return appendDialect;
    }

    /** @return the prefix of temporary keys, ends with {@code /} */
    public String tempPrefix() {
        return tempPrefix;
    }

    /** @return whether commit creates empty {@code dir/} marker objects for every parent */
    public boolean createParentMarkers() {
        return createParentMarkers;
    }

    /** @return error codes that mean the destination is full (immutable) */
    public Set<String> quotaErrorCodes() {
        return quotaErrorCodes;
    }

    /** @return TCP connect timeout */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return socket read timeout */
    public Duration socketTimeout() {
        return socketTimeout;
    }

    /** @return the SDK's timeout of one HTTP attempt */
    public Duration apiCallAttemptTimeout() {
        return apiCallAttemptTimeout;
    }

    /** @return retries the SDK makes by itself before the error reaches the mover */
    public int sdkRetries() {
        return sdkRetries;
    }

    /** @return sessions (and HTTP connections) per endpoint at most: the mover threads pinned to it */
    public int sessionsPerEndpoint() {
        return sessionsPerEndpoint;
    }

    /** @return how long {@link S3Transport#openSession} waits for a free session */
    public Duration sessionBorrowTimeout() {
        return sessionBorrowTimeout;
    }

    /** @return idle sessions older than this are evicted */
    public Duration sessionIdleTimeout() {
        return sessionIdleTimeout;
    }

    /** @return a session idle longer than this is probed before it is handed out again */
    public Duration sessionValidationInterval() {
        return sessionValidationInterval;
    }

    /** @return consecutive 5xx answers on one session after which it reports FAILOVER */
    public int serverErrorsBeforeFailover() {
        return serverErrorsBeforeFailover;
    }

    /** @return the per-range checksum sent */
    public ChecksumMode checksumMode() {
        return checksumMode;
    }

    /** @return whether complete reads the object back and compares its CRC32C */
    public boolean readBackVerification() {
        return readBackVerification;
    }

    /**
     * @return whether MULTIPART uploads of more than one range go straight to the final key and
     *     commit is their CompleteMultipartUpload (no server-side copy)
     */
    public boolean directMultipartCommit() {
        return directMultipartCommit;
    }

    /**
     * @return whether files of one range are stored with one PutObject on the final key (no
     *     temporary object, no copy); never with {@link #readBackVerification()}
     */
    public boolean directPut() {
        return directPut && !readBackVerification;
    }

    /** @return whether requests over plain http carry {@code UNSIGNED-PAYLOAD} instead of a SHA-256 of the body */
    public boolean unsignedPayload() {
        return unsignedPayload;
    }

    /** @return above this size commit copies with UploadPartCopy instead of one CopyObject */
    public long multipartCopyThreshold() {
        return multipartCopyThreshold;
    }

    /** @return the part size of a multipart copy */
    public long copyPartSize() {
        return copyPartSize;
    }

    /** @return multipart uploads and temp objects under the temp prefix older than this are stale */
    public Duration staleUploadAge() {
        return staleUploadAge;
    }

    /** @return how often the sweeper runs; {@link Duration#ZERO} disables it */
    public Duration staleUploadSweepInterval() {
        return staleUploadSweepInterval;
    }

    /** @return the endpoint probe */
    public HealthProbe healthProbe() {
        return healthProbe;
    }

    @Override
    public String toString() {
        return "S3TransportConfig{endpoints=" + endpoints + ", bucket=" + bucket + ", region=" + region
                + ", credentials=" + (explicitCredentials ? "static(****)" : credentials.getClass().getSimpleName())
                + ", writeMode=" + writeMode
                + (writeMode == S3WriteMode.OFFSET_WRITE ? ", offsetWriteShape=" + offsetWriteShape : "")
                + (writeMode == S3WriteMode.APPEND ? ", appendDialect=" + appendDialect : "")
                + ", tempPrefix=" + tempPrefix + ", createParentMarkers=" + createParentMarkers
                + ", quotaErrorCodes=" + quotaErrorCodes + ", connectTimeout=" + connectTimeout
                + ", socketTimeout=" + socketTimeout + ", apiCallAttemptTimeout=" + apiCallAttemptTimeout
                + ", sdkRetries=" + sdkRetries + ", sessionsPerEndpoint=" + sessionsPerEndpoint
                + ", checksumMode=" + checksumMode + ", readBackVerification=" + readBackVerification
                + ", directMultipartCommit=" + directMultipartCommit + ", directPut=" + directPut
                + ", unsignedPayload=" + unsignedPayload + "}";
    }

    /** Builder of {@link S3TransportConfig}; not thread-safe. */
    public static final class Builder {
        private final List<URI> endpoints = new ArrayList<>();
        private String bucket;
        private String region = "us-east-1";
        private AwsCredentialsProvider credentials;
        private boolean explicitCredentials;
        private S3WriteMode writeMode = S3WriteMode.MULTIPART;
        private RequestShape offsetWriteShape = RequestShape.DELL_ECS;
        private AppendDialect appendDialect = AppendDialect.CEPH_RGW;
        private String tempPrefix = ".migrate-tmp/";
        private boolean createParentMarkers;
        private Set<String> quotaErrorCodes = new LinkedHashSet<>(DEFAULT_QUOTA_ERROR_CODES);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration socketTimeout = Duration.ofSeconds(60);
        private Duration apiCallAttemptTimeout = Duration.ofMinutes(2);
        private int sdkRetries = 1;
        private int sessionsPerEndpoint = 16;
        private Duration sessionBorrowTimeout = Duration.ofSeconds(30);
        private Duration sessionIdleTimeout = Duration.ofMinutes(5);
        private Duration sessionValidationInterval = Duration.ofSeconds(30);
        private int serverErrorsBeforeFailover = 2;
        private ChecksumMode checksumMode = ChecksumMode.CRC32C;
        private boolean readBackVerification;
        private boolean directMultipartCommit;
        private boolean directPut = true;
        private boolean unsignedPayload;
        private long multipartCopyThreshold = MAX_PART_SIZE;
        private long copyPartSize = 512L * 1024 * 1024;
        private Duration staleUploadAge = Duration.ofHours(24);
        private Duration staleUploadSweepInterval = Duration.ofHours(1);
        private HealthProbe healthProbe = HealthProbe.HEAD_BUCKET;

        private Builder() {
        }

        /**
         * @param endpoint an endpoint URI ({@code http://host:port}); add several for failover
         * @return this
         */
        public Builder endpoint(URI endpoint) {
            endpoints.add(Require.nonNull("endpoints", endpoint));
            return this;
        }

        /**
         * @param uris the endpoints, replacing any added before
         * @return this
         */
        public Builder endpoints(List<URI> uris) {
            endpoints.clear();
            Require.nonNull("endpoints", uris).forEach(this::endpoint);
            return this;
        }

        /**
         * @param bucket the bucket (required)
         * @return this
         */
        public Builder bucket(String bucket) {
            this.bucket = bucket;
            return this;
        }

        /**
         * @param region the signing region; default {@code us-east-1}
         * @return this
         */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /**
         * @param provider an SDK credentials provider; default the SDK's default chain
         * @return this
         */
        public Builder credentialsProvider(AwsCredentialsProvider provider) {
            this.credentials = provider;
            this.explicitCredentials = false;
            return this;
        }

        /**
         * Explicit keys; they are never logged or shown by {@code toString()}.
         *
         * @param accessKeyId access key id
         * @param secretAccessKey secret key
         * @return this
         */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            this.credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    Require.nonBlank("credentials.accessKeyId", accessKeyId),
                    Require.nonBlank("credentials.secretAccessKey", secretAccessKey)));
            this.explicitCredentials = true;
            return this;
        }

        /**
         * @param mode the write mode; default {@link S3WriteMode#MULTIPART}
         * @return this
         */
        public Builder writeMode(S3WriteMode mode) {
            this.writeMode = mode;
            return this;
        }

        /**
         * @param shape the request of {@link S3WriteMode#OFFSET_WRITE}; default {@link RequestShape#DELL_ECS}
         * @return this
         */
        public Builder offsetWriteShape(RequestShape shape) {
            this.offsetWriteShape = shape;
            return this;
        }

        /**
         * @param dialect the dialect of {@link S3WriteMode#APPEND}; default {@link AppendDialect#CEPH_RGW}
         * @return this
         */
        public Builder appendDialect(AppendDialect dialect) {
            this.appendDialect = dialect;
            return this;
        }

        /**
         * @param prefix prefix of temporary keys; default {@code .migrate-tmp/} ({@code /} appended if missing)
         * @return this
         */
        public Builder tempPrefix(String prefix) {
            this.tempPrefix = prefix;
            return this;
        }

        /**
         * @param create whether commit creates empty {@code parent/} marker objects; default false
         * @return this
         */
        public Builder createParentMarkers(boolean create) {
            this.createParentMarkers = create;
            return this;
        }

        /**
         * @param codes S3 error codes that mean "destination full", replacing the defaults
         *     ({@link #DEFAULT_QUOTA_ERROR_CODES})
         * @return this
         */
        public Builder quotaErrorCodes(Set<String> codes) {
            this.quotaErrorCodes = new LinkedHashSet<>(Require.nonNull("quotaErrorCodes", codes));
            return this;
        }

        /**
         * @param timeout TCP connect timeout; default 5 s
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * @param timeout socket read timeout; default 60 s
         * @return this
         */
        public Builder socketTimeout(Duration timeout) {
            this.socketTimeout = timeout;
            return this;
        }

        /**
         * @param timeout the SDK's limit for one HTTP attempt; default 2 min
         * @return this
         */
        public Builder apiCallAttemptTimeout(Duration timeout) {
            this.apiCallAttemptTimeout = timeout;
            return this;
        }

        /**
         * @param retries retries inside the SDK, 0..3; default 1 (the mover's failover decides the rest)
         * @return this
         */
        public Builder sdkRetries(int retries) {
            this.sdkRetries = retries;
            return this;
        }

        /**
         * @param sessions sessions and HTTP connections per endpoint, 1..1024; default 16
         * @return this
         */
        public Builder sessionsPerEndpoint(int sessions) {
            this.sessionsPerEndpoint = sessions;
            return this;
        }

        /**
         * @param timeout wait for a free session; default 30 s
         * @return this
         */
        public Builder sessionBorrowTimeout(Duration timeout) {
            this.sessionBorrowTimeout = timeout;
            return this;
        }

        /**
         * @param timeout idle sessions older than this are evicted; default 5 min
         * @return this
         */
        public Builder sessionIdleTimeout(Duration timeout) {
            this.sessionIdleTimeout = timeout;
            return this;
        }

        /**
         * @param interval probe a session idle longer than this before handing it out; default 30 s
         * @return this
         */
        public Builder sessionValidationInterval(Duration interval) {
            this.sessionValidationInterval = interval;
            return this;
        }

        /**
         * @param count consecutive 5xx on a session before it says FAILOVER, 1..100; default 2
         * @return this
         */
        public Builder serverErrorsBeforeFailover(int count) {
            this.serverErrorsBeforeFailover = count;
            return this;
        }

        /**
         * @param mode per-range checksum; default {@link ChecksumMode#CRC32C}
         * @return this
         */
        public Builder checksumMode(ChecksumMode mode) {
            this.checksumMode = mode;
            return this;
        }

        /**
         * @param verify read the completed object back and compare its CRC32C; default false
         *     (recommended for OFFSET_WRITE and APPEND stores, which report no object checksum)
         * @return this
         */
        public Builder readBackVerification(boolean verify) {
            this.readBackVerification = verify;
            return this;
        }

        /**
         * Commit MULTIPART uploads by completing them on the final key instead of copying a
         * completed temporary object: the upload is invisible until CompleteMultipartUpload, so
         * the commit is still atomic, and the server does not copy the data once more (on
         * S3Proxy that copy costs as long as the upload itself). Costs: the object's user
         * metadata is the one given to {@code open} (metadata added only at commit, such as the
         * whole-file checksum, is not stored), and incomplete uploads live under the final keys,
         * where the sweeper does not look (use a bucket lifecycle rule
         * {@code AbortIncompleteMultipartUpload}). Files of one range keep the temporary key.
         * Default false.
         *
         * @param direct whether to complete on the final key
         * @return this
         */
        public Builder directMultipartCommit(boolean direct) {
            this.directMultipartCommit = direct;
            return this;
        }

        /**
         * Store files that fit one range with one PutObject on the final key, verified by the
         * store (the range's CRC32C or MD5, per {@link #checksumMode}), instead of a temporary
         * object, a copy and a delete: 2 requests per small file (the skip check's HEAD and the
         * PUT) instead of 5. A PutObject is atomic for readers, so no partial object is ever
         * visible; the mover checks the source did not change while it read the file before the
         * PUT, and again after it (see {@code docs/s3.md}). Ignored with
         * {@link #readBackVerification} (which must read the object before it is committed).
         * Default true.
         *
         * @param direct whether single-range files go straight to the final key
         * @return this
         */
        public Builder directPut(boolean direct) {
            this.directPut = direct;
            return this;
        }

        /**
         * Over plain http, sign requests with {@code UNSIGNED-PAYLOAD} as the SDK already does over
         * https, instead of hashing every byte sent with SHA-256 (and signing it in chunks): the
         * largest CPU cost of an upload on the client (see {@code docs/performance.md}). The body
         * stays protected against corruption by the range's CRC32C (or MD5) header, which is
         * signed and which the store verifies, but is no longer authenticated: someone who can
         * alter the traffic can alter the data. Use it only on a network you trust, or use https.
         * No effect over https. Default false.
         *
         * @param unsigned whether to skip the payload hash over http
         * @return this
         */
        public Builder unsignedPayload(boolean unsigned) {
            this.unsignedPayload = unsigned;
            return this;
        }

        /**
         * @param threshold objects larger than this are committed with UploadPartCopy; default
         *     5 GiB (the CopyObject limit), at least 5 MiB
         * @return this
         */
        public Builder multipartCopyThreshold(long threshold) {
            this.multipartCopyThreshold = threshold;
            return this;
        }

        /**
         * @param size part size of a multipart copy, 5 MiB..5 GiB; default 512 MiB
         * @return this
         */
        public Builder copyPartSize(long size) {
            this.copyPartSize = size;
            return this;
        }

        /**
         * @param age uploads and temp objects older than this are swept; default 24 h
         * @return this
         */
        public Builder staleUploadAge(Duration age) {
            this.staleUploadAge = age;
            return this;
        }

        /**
         * @param interval sweeper period; {@link Duration#ZERO} disables it; default 1 h
         * @return this
         */
        public Builder staleUploadSweepInterval(Duration interval) {
            this.staleUploadSweepInterval = interval;
            return this;
        }

        /**
         * @param probe the health probe; default {@link HealthProbe#HEAD_BUCKET}
         * @return this
         */
        public Builder healthProbe(HealthProbe probe) {
            this.healthProbe = probe;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         * @throws ConfigurationException naming the first invalid setting and its allowed range
         */
        public S3TransportConfig build() {
            if (endpoints.isEmpty()) {
                throw new ConfigurationException("endpoints", "at least one endpoint is required");
            }
            for (URI u : endpoints) {
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                    throw new ConfigurationException("endpoints", "must be http(s)://host[:port], was " + u);
                }
            }
            if (new LinkedHashSet<>(endpoints).size() != endpoints.size()) {
                throw new ConfigurationException("endpoints", "must be distinct, were " + endpoints);
            }
            Require.nonBlank("bucket", bucket);
            Require.nonBlank("region", region);
            if (credentials == null) {
                credentials = DefaultCredentialsProvider.builder().build();
            }
            Require.nonNull("writeMode", writeMode);
            Require.nonNull("offsetWriteShape", offsetWriteShape);
            Require.nonNull("appendDialect", appendDialect);
            Require.nonBlank("tempPrefix", tempPrefix);
            if (tempPrefix.startsWith("/")) {
                throw new ConfigurationException("tempPrefix", "must not start with '/', was " + tempPrefix);
            }
            if (!tempPrefix.endsWith("/")) {
                tempPrefix = tempPrefix + "/";
            }
            Require.nonNull("quotaErrorCodes", quotaErrorCodes);
            Require.positive("connectTimeout", connectTimeout);
            Require.positive("socketTimeout", socketTimeout);
            Require.positive("apiCallAttemptTimeout", apiCallAttemptTimeout);
            Require.inRange("sdkRetries", sdkRetries, 0, 3);
            Require.inRange("sessionsPerEndpoint", sessionsPerEndpoint, 1, 1024);
            Require.positive("sessionBorrowTimeout", sessionBorrowTimeout);
            Require.positive("sessionIdleTimeout", sessionIdleTimeout);
            Require.positive("sessionValidationInterval", sessionValidationInterval);
            Require.inRange("serverErrorsBeforeFailover", serverErrorsBeforeFailover, 1, 100);
            Require.nonNull("checksumMode", checksumMode);
            Require.inRange("multipartCopyThreshold", multipartCopyThreshold, MIN_PART_SIZE, MAX_PART_SIZE);
            Require.inRange("copyPartSize", copyPartSize, MIN_PART_SIZE, MAX_PART_SIZE);
            Require.positive("staleUploadAge", staleUploadAge);
            Require.nonNull("staleUploadSweepInterval", staleUploadSweepInterval);
            if (staleUploadSweepInterval.isNegative()) {
                throw new ConfigurationException("staleUploadSweepInterval", "must be zero (off) or positive, was "
                        + staleUploadSweepInterval);
            }
            Require.nonNull("healthProbe", healthProbe);
            return new S3TransportConfig(this);
        }
    }
}
