package io.migrate.s3;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.internal.Lifecycle;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.s3.internal.ChecksumProbe;
import io.migrate.s3.internal.ConditionalWriteProbe;
import io.migrate.s3.internal.DerivedSettings;
import io.migrate.s3.internal.Endpoint;
import io.migrate.s3.internal.HardwareSha256;
import io.migrate.s3.internal.S3ErrorClassifier;
import io.migrate.s3.internal.SessionHandle;
import io.migrate.s3.internal.SessionPool;
import io.migrate.s3.internal.StaleUploadSweeper;
import io.migrate.transport.Disposition;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.WriteMode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Transport} to an S3-compatible store on the AWS SDK for Java v2: one
 * {@code S3Client} per endpoint (Apache HTTP client, one connection per pinned mover thread), a
 * Commons Pool2 keyed pool of sessions per endpoint, and three write modes ({@link S3WriteMode}).
 * Uploads go to a temporary key under {@link S3TransportConfig#tempPrefix()} unique per attempt;
 * commit copies to the final key with the final metadata and deletes the temporary object.
 * Errors are classified as {@code docs/s3.md} describes.
 *
 * <p>Thread-safe. Sessions are not: one per mover thread. {@link #close()} stops the sweeper
 * thread ({@code migrate-s3-sweeper-N}) and closes the pool and every client.
 */
public final class S3Transport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(S3Transport.class);
    private final S3TransportConfig config;
    private final Map<String, Endpoint> endpoints;
    private final List<String> endpointIds;
    private final S3ErrorClassifier classifier;
    private final SessionPool pool;
    private final ChecksumMode checksumMode;
    private final boolean unsignedPayload;
    private final boolean fullObjectCrc32c;
    private final ConditionalWriteSupport conditionalWrites;
    private final TransportCapabilities capabilities;
    private final ScheduledExecutorService sweeper;
    /** Open from construction; {@link #close()} ends it (one state, one CAS; issue 17). */
    private final Lifecycle lifecycle = Lifecycle.started("S3 transport");

    private S3Transport(S3TransportConfig config) {
        this.config = config;
        this.classifier = new S3ErrorClassifier(config.quotaErrorCodes());
        Map<String, Endpoint> eps = new LinkedHashMap<>();
        try {
            for (URI uri : config.endpoints()) {
                Endpoint e = Endpoint.create(uri, config);
                eps.put(e.id(), e);
            }
        } catch (RuntimeException e) {
            eps.values().forEach(Endpoint::close);
            throw e;
        }
        this.endpoints = Collections.unmodifiableMap(eps);
        this.endpointIds = List.copyOf(eps.keySet());
        S3TransportConfig effective;
        try {
            Integrity integrity = resolveIntegrity(config, eps.values());
            this.checksumMode = integrity.mode();
            this.unsignedPayload = integrity.unsignedPayload();
            // Only after the checksum probe found CRC32C verified (AUTO): a host that chose the
            // checksum itself gets no further probes (its store may answer only what it expects).
            this.fullObjectCrc32c = config.checksumMode() == ChecksumMode.AUTO && checksumMode == ChecksumMode.CRC32C
                    && integrity.verified() && DerivedSettings.completesOnFinalKey(config)
                    && probeFullObjectCrc32c(config, eps.values());
            eps.values().forEach(e -> {
                e.traits().unsignedPayload(unsignedPayload);
                e.traits().signedWholeBody(checksumMode == ChecksumMode.SHA256);
                e.traits().fullObjectCrc32c(fullObjectCrc32c);
            });
            this.conditionalWrites = probeConditionalWrites(config, eps.values());
            // Sessions see the resolved mode; config() keeps what the host set. Built here, where a
            // failure still closes the endpoints' clients.
            effective = checksumMode == config.checksumMode() ? config
                    : config.toBuilder().checksumMode(checksumMode).build();
        } catch (RuntimeException e) {
            eps.values().forEach(Endpoint::close);
            throw e;
        }
        Set<String> knownMarkers = ConcurrentHashMap.newKeySet();
        this.pool = new SessionPool(endpoints, effective, classifier, knownMarkers, conditionalWrites);
        this.capabilities = capabilitiesOf(config).withFencedCommits(conditionalWrites.enforcedForAllCommits());
        if (config.staleUploadSweepInterval().isZero()) {
            this.sweeper = null;
        } else {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("s3-sweeper"));
            long period = config.staleUploadSweepInterval().toMillis();
            sweeper.scheduleWithFixedDelay(this::sweepInBackground, period, period, TimeUnit.MILLISECONDS);
        }
        LOG.info("S3 transport started: {}; per-range checksum: {}; payload over http: {}; whole-file CRC32C of "
                + "direct multipart commits: {}; conditional writes: {}", config, checksumMode,
                checksumMode == ChecksumMode.SHA256 ? "signed whole (its SHA-256 is the checksum)"
                        : unsignedPayload ? "UNSIGNED-PAYLOAD" : "signed (SHA-256)",
                fullObjectCrc32c ? "verified by the store (FULL_OBJECT)" : "not stored", conditionalWrites);
    }

    /** The per-range checksum and whether bodies go unsigned over http, as decided at start. */
    private record Integrity(ChecksumMode mode, boolean unsignedPayload, boolean verified) {
    }

    /**
     * {@link ChecksumMode#AUTO}: the checksum the store verifies ({@link ChecksumProbe}), asked
     * through the first endpoint that answers; CRC32C with a warning if none does. With
     * {@link PayloadSigning#AUTO} bodies go unsigned over http exactly when the probe found a
     * checksum the store verifies (the probe itself ran unsigned, the path it vouches for).
     */
    private static Integrity resolveIntegrity(S3TransportConfig config, Iterable<Endpoint> endpoints) {
        boolean explicitUnsigned = config.payloadSigning() == PayloadSigning.UNSIGNED;
        if (config.checksumMode() != ChecksumMode.AUTO) {
            return new Integrity(config.checksumMode(),
                    explicitUnsigned && config.checksumMode() != ChecksumMode.SHA256, false);
        }
        List<String> failures = new ArrayList<>();
        for (Endpoint e : endpoints) {
            try {
                // Not SHA256 where the host asked for unsigned payloads: its checksum is the signed
                // payload (and that configuration is refused), so MD5 is the verified one then.
                Optional<ChecksumMode> verified = ChecksumProbe.verified(e.client(), config.bucket(), config.tempPrefix(),
                        !explicitUnsigned && HardwareSha256.available());
                if (verified.isPresent()) {
                    // SHA256 is the signed payload; the others go unsigned unless the host signs.
                    return new Integrity(verified.get(), verified.get() != ChecksumMode.SHA256
                            && config.payloadSigning() != PayloadSigning.SIGNED, true);
                }
                LOG.warn("the store at {} verifies neither x-amz-checksum-crc32c nor Content-MD5: ranges are sent with "
                        + "CRC32C (compared where echoed) and {} payloads; consider readBackVerification(true)", e.id(),
                        explicitUnsigned ? "unsigned" : "signed");
                return new Integrity(ChecksumMode.CRC32C, explicitUnsigned, false);
            } catch (RuntimeException ex) {
                if (ex instanceof software.amazon.awssdk.core.exception.AbortedException) {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
                failures.add(e.id() + ": " + ex.getMessage());
            }
        }
        LOG.warn("checksum probe failed on every endpoint; sending CRC32C, which not every store verifies, and {} "
                + "payloads: {}", explicitUnsigned ? "unsigned" : "signed", failures);
        return new Integrity(ChecksumMode.CRC32C, explicitUnsigned, false);
    }

    /**
     * Whether the store verifies and reports a full-object CRC32C of a multipart upload
     * ({@link ChecksumProbe#verifiesFullObjectCrc32c}), asked through the first endpoint that
     * answers; false (nothing lost but the checksum of a skipped file) if none does.
     */
    private static boolean probeFullObjectCrc32c(S3TransportConfig config, Iterable<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            try {
                return ChecksumProbe.verifiesFullObjectCrc32c(e.client(), config.bucket(), config.tempPrefix());
            } catch (RuntimeException ex) {
                if (ex instanceof software.amazon.awssdk.core.exception.AbortedException) {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
                LOG.debug("full-object checksum probe failed on {}: {}", e.id(), ex.getMessage());
            }
        }
        return false;
    }

    /**
     * The start probe ({@link ConditionalWrites}): through the first endpoint that answers. If none
     * does, nothing is known and commits are checked by HEAD (REQUIRED fails instead).
     */
    private static ConditionalWriteSupport probeConditionalWrites(S3TransportConfig config,
            Iterable<Endpoint> endpoints) {
        if (config.conditionalWrites() == ConditionalWrites.OFF) {
            return ConditionalWriteSupport.none("off by configuration");
        }
        ConditionalWriteSupport found = null;
        List<String> failures = new ArrayList<>();
        for (Endpoint e : endpoints) {
            try {
                found = ConditionalWriteProbe.probe(e.client(), config.bucket(), config.tempPrefix());
                break;
            } catch (RuntimeException ex) {
                failures.add(e.id() + ": " + ex.getMessage());
            }
        }
        if (found == null) {
            found = ConditionalWriteSupport.none("probe failed on every endpoint: " + String.join("; ", failures));
            LOG.warn("conditional write probe failed on every endpoint; commits are checked by HEAD only: {}",
                    failures);
        }
        if (config.conditionalWrites() == ConditionalWrites.REQUIRED && !found.enforcedForAllCommits()) {
            throw new ConfigurationException("transport.s3.conditionalWrites",
                    "is required, but the store does not enforce them: " + found);
        }
        return found;
    }

    /**
     * Creates the transport. With {@link ChecksumMode#AUTO} (the default) it first asks the store
     * which checksum it verifies (at most two small puts under the temp prefix, see
     * {@link ChecksumMode#AUTO}), and unless {@link S3TransportConfig#conditionalWrites()} is OFF
     * it probes the store's conditional writes (a few requests on a key under the temp prefix, see
     * {@link ConditionalWrites}); nothing else is sent until a session is used or
     * {@link #checkHealth(String)} is called.
     *
     * @param config the configuration
     * @return the transport, owned by the caller (close it)
     * @throws ConfigurationException if conditional writes are REQUIRED and the store does not
     *     enforce them
     */
    public static S3Transport create(S3TransportConfig config) {
        return new S3Transport(java.util.Objects.requireNonNull(config, "config"));
    }

    static TransportCapabilities capabilitiesOf(S3TransportConfig c) {
        boolean verifies = c.readBackVerification();
        TransportCapabilities ranges = switch (c.writeMode()) {
            case MULTIPART -> new TransportCapabilities(WriteMode.ALIGNED_PARTS, S3TransportConfig.MIN_PART_SIZE,
                    S3TransportConfig.MAX_PART_SIZE, S3TransportConfig.MAX_PARTS, verifies);
            case OFFSET_WRITE -> new TransportCapabilities(WriteMode.RANDOM_OFFSET, 1,
                    S3TransportConfig.MAX_PART_SIZE, Integer.MAX_VALUE, verifies);
            case APPEND -> new TransportCapabilities(WriteMode.APPEND_ONLY, 1, S3TransportConfig.MAX_PART_SIZE,
                    c.appendDialect().isS3Express() ? S3TransportConfig.MAX_PARTS : Integer.MAX_VALUE, verifies);
        };
        // Every S3 dialect has plain PutObject, up to the 5 GiB single-request limit.
        return ranges.withWholePutLimit(DerivedSettings.putsWholeFiles(c) ? S3TransportConfig.MAX_PART_SIZE : 0);
    }

    /**
     * The per-range checksum in use: {@link S3TransportConfig#checksumMode()}, or what the start
     * probe chose for {@link ChecksumMode#AUTO} (CRC32C where the store verifies it, else SHA256
     * where the CPU hashes SHA-256 in hardware and the store verifies the signed body, else MD5).
     *
     * @return never AUTO
     */
    public ChecksumMode checksumMode() {
        return checksumMode;
    }

    /**
     * Whether requests over plain http carry {@code UNSIGNED-PAYLOAD} instead of a SHA-256 of their
     * body: {@link PayloadSigning#UNSIGNED}, or {@link PayloadSigning#AUTO} when the start probe
     * found a per-range checksum the store verifies ({@link #checksumMode()}); never with
     * {@link ChecksumMode#SHA256}, where the signed body is the checksum.
     *
     * @return the decision in use (no effect over https, where the body is never hashed)
     */
    public boolean unsignedPayload() {
        return unsignedPayload;
    }

    /**
     * Whether a directly committed multipart upload carries the whole file's CRC32C, verified by the
     * store at its completion ({@code x-amz-checksum-type: FULL_OBJECT}) and reported by
     * {@code stat} as the object's checksum: the start probe found the store verifies and reports it
     * (S3Proxy 4.1.0 does, Ceph RGW 16 does not), with CRC32C ranges and the direct commit.
     *
     * @return whether the store checks and keeps the whole-file CRC32C of direct commits
     */
    public boolean fullObjectCrc32c() {
        return fullObjectCrc32c;
    }

    /**
     * What the start probe found: which commits the store fences itself. Also
     * {@code capabilities().fencedCommits()}, true only if it fences all of them.
     *
     * @return the probe's result
     */
    public ConditionalWriteSupport conditionalWriteSupport() {
        return conditionalWrites;
    }

    /** @return the configuration */
    public S3TransportConfig config() {
        return config;
    }

    @Override
    public TransportCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public List<String> endpoints() {
        return endpointIds;
    }

    /**
     * Borrows a session pinned to {@code endpointId} from the pool; closing the session gives it
     * back (or destroys it after a FAILOVER answer).
     *
     * @throws TransportException FAILOVER if the endpoint's sessions fail validation, RETRY if
     *     every session of the endpoint is in use past the borrow timeout, PERMANENT
     *     {@code INVALID_CONFIGURATION} for an unknown endpoint
     */
    @Override
    public TransportSession openSession(String endpointId) {
        ensureOpen();
        if (!endpoints.containsKey(endpointId)) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_CONFIGURATION,
                    "unknown endpoint " + endpointId + ", known: " + endpointIds, null);
        }
        return new SessionHandle(pool, pool.borrow(endpointId));
    }

    /**
     * Runs the configured {@link HealthProbe} (default HeadBucket) on the endpoint. The mover
     * calls it for every endpoint when it starts and then on each heartbeat.
     *
     * @throws TransportException classified like any other request; a missing bucket is
     *     PERMANENT {@code TARGET_NOT_FOUND} naming the bucket (HeadBucket answers a bare 404,
     *     without the {@code NoSuchBucket} code a request with a body gets), so a node with a
     *     wrong bucket fails at start instead of waiting for endpoints that are in fact up
     */
    @Override
    public void checkHealth(String endpointId) {
        ensureOpen();
        Endpoint e = endpoints.get(endpointId);
        if (e == null) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_CONFIGURATION,
                    "unknown endpoint " + endpointId, null);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                config.healthProbe().probe(e.client(), config.bucket());
                return;
            } catch (RuntimeException ex) {
                String code = S3ErrorClassifier.errorCode(ex);
                int status = S3ErrorClassifier.status(ex);
                if ("NoSuchBucket".equals(code)
                        || status == 404 && code == null && config.healthProbe() == HealthProbe.HEAD_BUCKET) {
                    throw new TransportException(Disposition.PERMANENT, ErrorCode.TARGET_NOT_FOUND,
                            "bucket '" + config.bucket() + "' does not exist at endpoint " + endpointId + " ("
                                    + (code == null ? "" : code + ", ") + "HTTP " + status + " to the health check)", ex);
                }
                if (attempt == 1 && isConnectionLost(ex)) {
                    // A pooled keep-alive connection the server had closed (S3Proxy closes it after
                    // answering an error before reading the request's body, e.g. a start probe's PUT
                    // to a missing bucket) fails the next request with a broken pipe or reset. One
                    // fresh try tells that from an endpoint that is really down.
                    continue;
                }
                throw classifier.classify("health check of bucket '" + config.bucket() + "' at " + endpointId, ex);
            }
        }
    }

    /** Whether the request failed on the connection (no HTTP answer): an I/O error in its causes. */
    private static boolean isConnectionLost(RuntimeException ex) {
        if (!(ex instanceof software.amazon.awssdk.core.exception.SdkClientException)
                || ex instanceof software.amazon.awssdk.core.exception.AbortedException) {
            return false; // an interrupt is not a lost connection: never retried
        }
        for (Throwable t = ex.getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.io.InterruptedIOException) {
                return false;
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Aborts multipart uploads (under the temp prefix, or anywhere in the bucket when uploads
     * complete on their final keys) and deletes temporary objects under the temp prefix older than
     * {@code age}, through the first endpoint that answers. Runs on the caller's thread; the
     * background sweeper calls it with {@link S3TransportConfig#staleUploadAge()}.
     *
     * @param age what is older than this is stale; only attempts that can no longer be running
     *     must be older (for example the task timeout times the attempts)
     * @return uploads aborted plus temporary objects deleted
     * @throws TransportException if no endpoint answered
     */
    public int sweepStaleUploads(Duration age) {
        ensureOpen();
        Instant cutoff = Instant.now().minus(age);
        List<RuntimeException> failures = new ArrayList<>();
        for (Endpoint e : endpoints.values()) {
            try {
                int n = StaleUploadSweeper.sweep(e.client(), config.bucket(), config.tempPrefix(), cutoff,
                        DerivedSettings.completesOnFinalKey(config));
                if (n > 0) {
                    LOG.info("swept {} stale uploads and temporary objects under {}", n, config.tempPrefix());
                }
                return n;
            } catch (RuntimeException ex) {
                failures.add(ex);
            }
        }
        TransportException te = classifier.classify("sweep of " + config.tempPrefix(), failures.get(0));
        failures.stream().skip(1).forEach(te::addSuppressed);
        throw te;
    }

    private void sweepInBackground() {
        try {
            sweepStaleUploads(config.staleUploadAge());
        } catch (RuntimeException e) {
            LOG.warn("stale upload sweep failed, next in {}: {}", config.staleUploadSweepInterval(), e.getMessage());
        }
    }

    /** @return sessions currently borrowed (for tests and metrics) */
    public int activeSessions() {
        return pool.active();
    }

    private void ensureOpen() {
        if (lifecycle.isClosed()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CANCELLED, "S3 transport is closed", null);
        }
    }

    /** Stops the sweeper (waits up to 10 s), closes the session pool and every client. Idempotent. */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        if (sweeper != null) {
            sweeper.shutdownNow();
            try {
                if (!sweeper.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("S3 sweeper did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pool.close();
        endpoints.values().forEach(Endpoint::close);
        LOG.info("S3 transport closed");
    }

}
