package io.migrate.s3;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Immutable configuration of an {@link S3Transport}; build with {@link #builder()}, reopen with
 * {@link #toBuilder()}. Every setting has a default except the endpoints and the bucket; each
 * getter returns what was set (decisions derived from several settings live where they are made,
 * {@code io.migrate.s3.internal.DerivedSettings}). {@link #toString()} never shows credentials.
 *
 * <p>Each setting is written once: a field with its default below, a getter, a builder setter.
 * The builder wraps an instance of this class and {@link Builder#build()} validates and returns a
 * copy ({@link #clone()}, shallow: every field is immutable), so building never changes the
 * builder and a built config never changes when the builder does. Errors name the key the
 * operator writes ({@code transport.s3.endpoints}, see {@code docs/configuration.md}) and list
 * every invalid setting at once.
 *
 * <p>Thread-safe (immutable once built).
 */
public final class S3TransportConfig implements Cloneable {
    /** S3's smallest part except the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** S3's largest part (and largest single CopyObject). */
    public static final long MAX_PART_SIZE = 5L * 1024 * 1024 * 1024;
    /** S3's most parts per upload. */
    public static final int MAX_PARTS = 10_000;
    /** Error codes that mean "the destination is full" on Ceph and MinIO. */
    public static final Set<String> DEFAULT_QUOTA_ERROR_CODES =
            Set.of("QuotaExceeded", "XMinioAdminBucketQuotaExceeded", "XMinioStorageFull");
    /** The prefix of every key in properties ({@code S3TransportProvider}) and in validation errors. */
    static final String PREFIX = "transport.s3.";

    // Settings with their defaults. Written only by the Builder, on its own instance; every value
    // is immutable, so clone() is a complete copy.
    private List<URI> endpoints = List.of();
    private String bucket;
    private String region = "us-east-1";
    private AwsCredentialsProvider credentials;
    private boolean explicitCredentials;
    private S3WriteMode writeMode = S3WriteMode.MULTIPART;
    private RequestShape offsetWriteShape = RequestShape.DELL_ECS;
    private AppendDialect appendDialect = AppendDialect.CEPH_RGW;
    private String tempPrefix = ".migrate-tmp/";
    private boolean createParentMarkers;
    private Set<String> quotaErrorCodes = DEFAULT_QUOTA_ERROR_CODES;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration socketTimeout = Duration.ofSeconds(60);
    private Duration apiCallAttemptTimeout = Duration.ofMinutes(2);
    private int sdkRetries = 1;
    private int sessionsPerEndpoint = 16;
    private Duration sessionBorrowTimeout = Duration.ofSeconds(30);
    private Duration sessionIdleTimeout = Duration.ofMinutes(5);
    private Duration sessionValidationInterval = Duration.ofSeconds(30);
    private int serverErrorsBeforeFailover = 2;
    private ChecksumMode checksumMode = ChecksumMode.AUTO;
    private boolean readBackVerification;
    private boolean directMultipartCommit = true;
    private boolean directPut = true;
    private PayloadSigning payloadSigning = PayloadSigning.AUTO;
    private long multipartCopyThreshold = MAX_PART_SIZE;
    private long copyPartSize = 512L * 1024 * 1024;
    private Duration staleUploadAge = Duration.ofHours(24);
    private Duration staleUploadSweepInterval = Duration.ofHours(1);
    private HealthProbe healthProbe = HealthProbe.HEAD_BUCKET;
    private ConditionalWrites conditionalWrites = ConditionalWrites.PROBE;

    private S3TransportConfig() {
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder(new S3TransportConfig());
    }

    /** @return a builder starting from this configuration (changing it does not change this one) */
    public Builder toBuilder() {
        return new Builder(clone());
    }

    @Override
    protected S3TransportConfig clone() {
        try {
            return (S3TransportConfig) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
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

    /** @return the credentials provider, the SDK's default chain if none was set (never log what it returns) */
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

    /** @return the prefix of temporary keys as set, with {@code /} appended by {@code build()} if it was missing */
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

    /**
     * @return the per-range checksum as set ({@link ChecksumMode#AUTO} by default); the one in use
     *     is {@code S3Transport.checksumMode()}
     */
    public ChecksumMode checksumMode() {
        return checksumMode;
    }

    /** @return whether complete reads the object back and compares its CRC32C */
    public boolean readBackVerification() {
        return readBackVerification;
    }

    /**
     * @return whether MULTIPART uploads of more than one range may go straight to the final key
     *     with commit = their CompleteMultipartUpload (no server-side copy), as set; the transport
     *     does so only without {@link #readBackVerification()}
     */
    public boolean directMultipartCommit() {
        return directMultipartCommit;
    }

    /**
     * @return whether files of one range may be stored with one PutObject on the final key, as
     *     set; the transport does so only without {@link #readBackVerification()}
     */
    public boolean directPut() {
        return directPut;
    }

    /**
     * @return how request bodies are signed over plain http, as set (default
     *     {@link PayloadSigning#AUTO}); what the transport then does is
     *     {@code S3Transport.unsignedPayload()}
     */
    public PayloadSigning payloadSigning() {
        return payloadSigning;
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

    /** @return whether commits are fenced by the store's conditional writes, and how that is found out */
    public ConditionalWrites conditionalWrites() {
        return conditionalWrites;
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
                + ", payloadSigning=" + payloadSigning + ", conditionalWrites=" + conditionalWrites + "}";
    }

    /** Builder of {@link S3TransportConfig}: wraps one, which only it writes; not thread-safe. */
    public static final class Builder {
        private final S3TransportConfig config;

        private Builder(S3TransportConfig config) {
            this.config = config;
        }

        /**
         * @param endpoint an endpoint URI ({@code http://host:port}); add several for failover
         * @return this
         */
        public Builder endpoint(URI endpoint) {
            List<URI> more = new ArrayList<>(config.endpoints);
            more.add(Objects.requireNonNull(endpoint, "endpoint"));
            config.endpoints = List.copyOf(more);
            return this;
        }

        /**
         * @param uris the endpoints, replacing any added before
         * @return this
         */
        public Builder endpoints(List<URI> uris) {
            config.endpoints = List.copyOf(uris);
            return this;
        }

        /**
         * @param bucket the bucket (required)
         * @return this
         */
        public Builder bucket(String bucket) {
            config.bucket = bucket;
            return this;
        }

        /**
         * @param region the signing region; default {@code us-east-1}
         * @return this
         */
        public Builder region(String region) {
            config.region = region;
            return this;
        }

        /**
         * @param provider an SDK credentials provider; default the SDK's default chain
         * @return this
         */
        public Builder credentialsProvider(AwsCredentialsProvider provider) {
            config.credentials = provider;
            config.explicitCredentials = false;
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
            config.credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    Require.nonBlank(PREFIX + "accessKey", accessKeyId),
                    Require.nonBlank(PREFIX + "secretKey", secretAccessKey)));
            config.explicitCredentials = true;
            return this;
        }

        /**
         * @param mode the write mode; default {@link S3WriteMode#MULTIPART}
         * @return this
         */
        public Builder writeMode(S3WriteMode mode) {
            config.writeMode = mode;
            return this;
        }

        /**
         * @param shape the request of {@link S3WriteMode#OFFSET_WRITE}; default {@link RequestShape#DELL_ECS}
         * @return this
         */
        public Builder offsetWriteShape(RequestShape shape) {
            config.offsetWriteShape = shape;
            return this;
        }

        /**
         * @param dialect the dialect of {@link S3WriteMode#APPEND}; default {@link AppendDialect#CEPH_RGW}
         * @return this
         */
        public Builder appendDialect(AppendDialect dialect) {
            config.appendDialect = dialect;
            return this;
        }

        /**
         * @param prefix prefix of temporary keys; default {@code .migrate-tmp/} ({@code /} appended if missing)
         * @return this
         */
        public Builder tempPrefix(String prefix) {
            config.tempPrefix = prefix;
            return this;
        }

        /**
         * @param create whether commit creates empty {@code parent/} marker objects; default false
         * @return this
         */
        public Builder createParentMarkers(boolean create) {
            config.createParentMarkers = create;
            return this;
        }

        /**
         * @param codes S3 error codes that mean "destination full", replacing the defaults
         *     ({@link #DEFAULT_QUOTA_ERROR_CODES})
         * @return this
         */
        public Builder quotaErrorCodes(Set<String> codes) {
            config.quotaErrorCodes = Collections.unmodifiableSet(new LinkedHashSet<>(codes));
            return this;
        }

        /**
         * @param timeout TCP connect timeout; default 5 s
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            config.connectTimeout = timeout;
            return this;
        }

        /**
         * @param timeout socket read timeout; default 60 s
         * @return this
         */
        public Builder socketTimeout(Duration timeout) {
            config.socketTimeout = timeout;
            return this;
        }

        /**
         * @param timeout the SDK's limit for one HTTP attempt; default 2 min
         * @return this
         */
        public Builder apiCallAttemptTimeout(Duration timeout) {
            config.apiCallAttemptTimeout = timeout;
            return this;
        }

        /**
         * @param retries retries inside the SDK, 0..3; default 1 (the mover's failover decides the rest)
         * @return this
         */
        public Builder sdkRetries(int retries) {
            config.sdkRetries = retries;
            return this;
        }

        /**
         * @param sessions sessions and HTTP connections per endpoint, 1..1024; default 16
         * @return this
         */
        public Builder sessionsPerEndpoint(int sessions) {
            config.sessionsPerEndpoint = sessions;
            return this;
        }

        /**
         * @param timeout wait for a free session; default 30 s
         * @return this
         */
        public Builder sessionBorrowTimeout(Duration timeout) {
            config.sessionBorrowTimeout = timeout;
            return this;
        }

        /**
         * @param timeout idle sessions older than this are evicted; default 5 min
         * @return this
         */
        public Builder sessionIdleTimeout(Duration timeout) {
            config.sessionIdleTimeout = timeout;
            return this;
        }

        /**
         * @param interval probe a session idle longer than this before handing it out; default 30 s
         * @return this
         */
        public Builder sessionValidationInterval(Duration interval) {
            config.sessionValidationInterval = interval;
            return this;
        }

        /**
         * @param count consecutive 5xx on a session before it says FAILOVER, 1..100; default 2
         * @return this
         */
        public Builder serverErrorsBeforeFailover(int count) {
            config.serverErrorsBeforeFailover = count;
            return this;
        }

        /**
         * @param mode per-range checksum; default {@link ChecksumMode#AUTO} (probed at start: the
         *     one the store verifies)
         * @return this
         */
        public Builder checksumMode(ChecksumMode mode) {
            config.checksumMode = mode;
            return this;
        }

        /**
         * @param verify read the completed object back and compare its CRC32C; default false
         *     (recommended for OFFSET_WRITE and APPEND stores, which report no object checksum)
         * @return this
         */
        public Builder readBackVerification(boolean verify) {
            config.readBackVerification = verify;
            return this;
        }

        /**
         * Commit MULTIPART uploads by completing them on the final key instead of copying a
         * completed temporary object: the upload is invisible until CompleteMultipartUpload, so
         * the commit is as atomic as the copy, can carry the fencing precondition (a copy commit
         * cannot on AWS), and the server does not copy the data once more (on S3Proxy that copy
         * costs as long as the upload itself). The object's user metadata is the one given to
         * {@code open} (source fingerprint, mtime, mode): the whole-file checksum, known only at
         * commit, is not stored (see {@code docs/s3.md} for what the skip check compares).
         * Incomplete uploads under final keys are swept bucket-wide by the stale-upload sweeper.
         * Files of one range keep their own path (a direct put, or the temporary key); the
         * transport keeps the temporary key and copy with {@link #readBackVerification} (which
         * must read the object before it is committed). Default true.
         *
         * @param direct whether to complete on the final key
         * @return this
         */
        public Builder directMultipartCommit(boolean direct) {
            config.directMultipartCommit = direct;
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
            config.directPut = direct;
            return this;
        }

        /**
         * How request bodies are signed over plain http: see {@link PayloadSigning}. Default
         * {@link PayloadSigning#AUTO}: {@code UNSIGNED-PAYLOAD} where the start probe found a
         * per-range checksum the store verifies, else signed.
         *
         * @param signing the mode
         * @return this
         */
        public Builder payloadSigning(PayloadSigning signing) {
            config.payloadSigning = signing;
            return this;
        }

        /**
         * Shorthand for {@link #payloadSigning}: {@code true} is {@link PayloadSigning#UNSIGNED},
         * {@code false} is {@link PayloadSigning#SIGNED}.
         *
         * @param unsigned whether to skip the payload hash over http, whatever the store verifies
         * @return this
         */
        public Builder unsignedPayload(boolean unsigned) {
            config.payloadSigning = unsigned ? PayloadSigning.UNSIGNED : PayloadSigning.SIGNED;
            return this;
        }

        /**
         * @param threshold objects larger than this are committed with UploadPartCopy; default
         *     5 GiB (the CopyObject limit), at least 5 MiB
         * @return this
         */
        public Builder multipartCopyThreshold(long threshold) {
            config.multipartCopyThreshold = threshold;
            return this;
        }

        /**
         * @param size part size of a multipart copy, 5 MiB..5 GiB; default 512 MiB
         * @return this
         */
        public Builder copyPartSize(long size) {
            config.copyPartSize = size;
            return this;
        }

        /**
         * @param age uploads and temp objects older than this are swept; default 24 h
         * @return this
         */
        public Builder staleUploadAge(Duration age) {
            config.staleUploadAge = age;
            return this;
        }

        /**
         * @param interval sweeper period; {@link Duration#ZERO} disables it; default 1 h
         * @return this
         */
        public Builder staleUploadSweepInterval(Duration interval) {
            config.staleUploadSweepInterval = interval;
            return this;
        }

        /**
         * @param probe the health probe; default {@link HealthProbe#HEAD_BUCKET}
         * @return this
         */
        public Builder healthProbe(HealthProbe probe) {
            config.healthProbe = probe;
            return this;
        }

        /**
         * @param mode whether commits carry {@code If-None-Match}/{@code If-Match} preconditions,
         *     found out by a probe at start; default {@link ConditionalWrites#PROBE}
         * @return this
         */
        public Builder conditionalWrites(ConditionalWrites mode) {
            config.conditionalWrites = mode;
            return this;
        }

        /**
         * Validates and returns a copy; the builder is unchanged and may be used again.
         *
         * @return the configuration
         * @throws ConfigurationException naming every invalid setting by its full key
         *     ({@code transport.s3.<setting>}) and allowed range; {@link ConfigurationException#key()}
         *     is the first
         */
        public S3TransportConfig build() {
            S3TransportConfig c = config.clone();
            if (c.credentials == null) {
                c.credentials = DefaultCredentialsProvider.builder().build();
            }
            if (c.tempPrefix != null && !c.tempPrefix.isBlank() && !c.tempPrefix.endsWith("/")) {
                c.tempPrefix = c.tempPrefix + "/";
            }
            c.validate();
            return c;
        }
    }

    private void validate() {
        Problems p = new Problems();
        if (endpoints.isEmpty()) {
            p.add("endpoints", "at least one endpoint is required");
        }
        for (URI u : endpoints) {
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                p.add("endpoints", "must be http(s)://host[:port], was " + u);
            }
        }
        if (new LinkedHashSet<>(endpoints).size() != endpoints.size()) {
            p.add("endpoints", "must be distinct, were " + endpoints);
        }
        p.nonBlank("bucket", bucket);
        p.nonBlank("region", region);
        p.nonNull("writeMode", writeMode);
        p.nonNull("offsetWrite.dialect", offsetWriteShape);
        p.nonNull("append.dialect", appendDialect);
        if (p.nonBlank("tempPrefix", tempPrefix) && tempPrefix.startsWith("/")) {
            p.add("tempPrefix", "must not start with '/', was " + tempPrefix);
        }
        p.nonNull("quotaErrorCodes", quotaErrorCodes);
        p.positive("connectTimeout", connectTimeout);
        p.positive("socketTimeout", socketTimeout);
        p.positive("apiCallAttemptTimeout", apiCallAttemptTimeout);
        p.inRange("sdkRetries", sdkRetries, 0, 3);
        p.inRange("sessionsPerEndpoint", sessionsPerEndpoint, 1, 1024);
        p.positive("sessionBorrowTimeout", sessionBorrowTimeout);
        p.positive("sessionIdleTimeout", sessionIdleTimeout);
        p.positive("sessionValidationInterval", sessionValidationInterval);
        p.inRange("serverErrorsBeforeFailover", serverErrorsBeforeFailover, 1, 100);
        p.nonNull("checksumMode", checksumMode);
        p.inRange("multipartCopyThreshold", multipartCopyThreshold, MIN_PART_SIZE, MAX_PART_SIZE);
        p.inRange("copyPartSize", copyPartSize, MIN_PART_SIZE, MAX_PART_SIZE);
        p.positive("staleUploadAge", staleUploadAge);
        if (p.nonNull("staleUploadSweepInterval", staleUploadSweepInterval) && staleUploadSweepInterval.isNegative()) {
            p.add("staleUploadSweepInterval", "must be zero (off) or positive, was " + staleUploadSweepInterval);
        }
        p.nonNull("healthProbe", healthProbe);
        p.nonNull("conditionalWrites", conditionalWrites);
        if (p.nonNull("payloadSigning", payloadSigning) && checksumMode == ChecksumMode.SHA256
                && payloadSigning == PayloadSigning.UNSIGNED) {
            p.add("payloadSigning", "must not be UNSIGNED with checksumMode SHA256, whose checksum is the signed "
                    + "payload's SHA-256");
        }
        p.throwIfAny();
    }

    /** Collects every invalid setting, so the operator fixes them in one round. */
    private static final class Problems {
        private final List<String> keys = new ArrayList<>();
        private final List<String> messages = new ArrayList<>();

        void add(String setting, String message) {
            keys.add(PREFIX + setting);
            messages.add(PREFIX + setting + ": " + message);
        }

        boolean nonNull(String setting, Object value) {
            if (value == null) {
                add(setting, "is required");
            }
            return value != null;
        }

        boolean nonBlank(String setting, String value) {
            if (value == null || value.isBlank()) {
                add(setting, "must not be blank");
                return false;
            }
            return true;
        }

        void positive(String setting, Duration value) {
            if (value == null || value.isZero() || value.isNegative()) {
                add(setting, "must be a positive duration, was " + value);
            }
        }

        void inRange(String setting, long value, long min, long max) {
            if (value < min || value > max) {
                add(setting, "must be in [" + min + ", " + max + "], was " + value);
            }
        }

        void throwIfAny() {
            if (keys.isEmpty()) {
                return;
            }
            // ConfigurationException prefixes its key: the first; the others follow in the message.
            String first = messages.get(0).substring(keys.get(0).length() + 2);
            String rest = messages.size() == 1 ? "" : "; " + String.join("; ", messages.subList(1, messages.size()));
            throw new ConfigurationException(keys.get(0), first + rest);
        }
    }
}
