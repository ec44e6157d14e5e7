package io.migrate.s3.internal;

import io.migrate.error.ErrorCode;
import io.migrate.s3.ChecksumMode;
import io.migrate.s3.ConditionalWriteSupport;
import io.migrate.s3.RequestShape;
import io.migrate.s3.S3TransportConfig;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.Upload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * One session's requests to its endpoint, shared by {@link S3Session} and its {@link UploadWriter}:
 * every S3 call goes through {@link #call}, which classifies failures, escalates repeated server
 * errors to FAILOVER and marks the session broken. Owned by the session's borrowing thread; the
 * pool's evictor reads only the volatile fields.
 */
final class S3Requests {
    private static final Logger LOG = LoggerFactory.getLogger(S3Requests.class);
    static final int MAX_KEY_BYTES = 1024;
    static final String OCTET_STREAM = "application/octet-stream";

    final Endpoint endpoint;
    final S3TransportConfig config;
    final S3Client s3;
    final String bucket;
    private final S3ErrorClassifier classifier;
    private final ConditionalWriteSupport fences;

    private volatile boolean broken;
    private volatile long lastUsedNanos = System.nanoTime();
    private int consecutiveServerErrors;

    S3Requests(Endpoint endpoint, S3TransportConfig config, S3ErrorClassifier classifier,
            ConditionalWriteSupport fences) {
        this.endpoint = endpoint;
        this.fences = fences;
        this.config = config;
        this.classifier = classifier;
        this.s3 = endpoint.client();
        this.bucket = config.bucket();
    }

    boolean broken() {
        return broken;
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    /**
     * Runs one S3 call; classifies a failure, escalates repeated 5xx to FAILOVER and marks the
     * session broken on FAILOVER.
     */
    <T> T call(String op, Supplier<T> f) {
        lastUsedNanos = System.nanoTime();
        try {
            T t = f.get();
            consecutiveServerErrors = 0;
            return t;
        } catch (RuntimeException e) {
            TransportException te = classifier.classify(op + " on " + endpoint.id(), e);
            int status = S3ErrorClassifier.status(e);
            // 503 is SlowDown: the cluster as a whole is busy, so another endpoint would not help
            // (s3-facts: back off on the same endpoint); it must not count toward failover.
            if (te.disposition() == Disposition.RETRY && status >= 500 && status != 503
                    && ++consecutiveServerErrors >= config.serverErrorsBeforeFailover()) {
                te = new TransportException(Disposition.FAILOVER, te.code(),
                        te.getMessage() + " (" + consecutiveServerErrors + " server errors in a row)", e);
            } else if (status < 500) {
                consecutiveServerErrors = 0;
            }
            if (te.disposition() == Disposition.FAILOVER) {
                broken = true;
            }
            throw te;
        } finally {
            lastUsedNanos = System.nanoTime();
        }
    }

    /** Sends once, re-sends once on a digest error, then reports it as permanent. */
    <T> T withDigestRetry(String op, Supplier<T> send) {
        TransportException first;
        try {
            return call(op, send);
        } catch (TransportException e) {
            if (e.code() != ErrorCode.CHECKSUM_MISMATCH) {
                throw e;
            }
            first = e;
        }
        LOG.debug("{}: {}; sending once more", op, first.getMessage());
        try {
            return call(op, send);
        } catch (TransportException e) {
            if (e.code() == ErrorCode.CHECKSUM_MISMATCH) {
                e.addSuppressed(first);
                throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH,
                        op + ": checksum rejected twice", e);
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- commit guards (fencing)

    /**
     * Prepares a PutObject on {@code key} guarded by {@code guard}: true if the request must carry
     * the guard as a precondition (the store enforces it); otherwise the guard is checked now by a
     * HEAD and false is returned (the window until the PUT is the store's to race).
     *
     * @throws TransportException TARGET_CONFLICT if the HEAD shows the guard failed
     */
    boolean guardPut(String key, CommitGuard guard) {
        return guard(key, guard, fences.putObject());
    }

    /** As {@link #guardPut}, for a CompleteMultipartUpload on {@code key}. */
    boolean guardComplete(String key, CommitGuard guard) {
        return guard(key, guard, fences.completeMultipartUpload());
    }

    /** @return whether the store enforces preconditions on CompleteMultipartUpload (the start probe) */
    boolean enforcesComplete() {
        return fences.completeMultipartUpload();
    }

    private boolean guard(String key, CommitGuard guard, boolean enforced) {
        if (guard.kind() == CommitGuard.Kind.UNCONDITIONAL) {
            return false;
        }
        if (enforced) {
            return true;
        }
        Optional<TargetStat> now = head(key).map(h -> new TargetStat(h.contentLength(), h.metadata(), h.eTag()));
        if (!guard.admits(now)) {
            throw conflict(key, guard, "it holds " + now.map(TargetStat::version).orElse("nothing"), null);
        }
        return false;
    }

    void precondition(PutObjectRequest.Builder req, CommitGuard guard) {
        switch (guard.kind()) {
            case ABSENT -> req.ifNoneMatch("*");
            case MATCHES -> req.ifMatch(ifMatchValue(guard));
            case UNCONDITIONAL -> { }
            default -> throw new IllegalStateException(guard.toString());
        }
    }

    void precondition(CompleteMultipartUploadRequest.Builder req, CommitGuard guard) {
        switch (guard.kind()) {
            case ABSENT -> req.ifNoneMatch("*");
            case MATCHES -> req.ifMatch(ifMatchValue(guard));
            case UNCONDITIONAL -> { }
            default -> throw new IllegalStateException(guard.toString());
        }
    }

    /** The guard's ETag as the store compares it (quoted as S3 returns it, or bare for RGW). */
    private String ifMatchValue(CommitGuard guard) {
        return fences.unquotedIfMatch() ? ConditionalWriteProbe.unquote(guard.version()) : guard.version();
    }

    /**
     * Runs a guarded request. An {@code If-Match} on a key that no longer exists is answered 404
     * {@code NoSuchKey} (AWS, S3Proxy), not 412: for a guarded commit that is a conflict too.
     */
    <T> T guarded(CommitGuard guard, String key, Supplier<T> request) {
        try {
            return request.get();
        } catch (TransportException e) {
            if (guard.kind() == CommitGuard.Kind.MATCHES
                    && "NoSuchKey".equals(S3ErrorClassifier.errorCode(serviceCause(e)))) {
                throw conflict(key, guard, "it holds nothing", e);
            }
            throw e;
        }
    }

    static TransportException conflict(String key, CommitGuard guard, String found, Throwable cause) {
        return new TransportException(Disposition.PERMANENT, ErrorCode.TARGET_CONFLICT,
                "commit of " + key + " needs " + guard + ", but " + found, cause);
    }

    // ---------------------------------------------------------------- checksums

    void addChecksum(PutObjectRequest.Builder req, ByteBuffer data, int crc32c) {
        switch (config.checksumMode()) {
            case CRC32C -> req.checksumCRC32C(Checksums.crc32cBase64(crc32c));
            case MD5 -> req.contentMD5(Checksums.md5Base64(data, crc32c, "put"));
            case SHA256 -> Checksums.requireCrc32c(data, crc32c, "put"); // the signer hashes the body
            case NONE -> { }
            default -> throw new IllegalStateException();
        }
    }

    /** A store that echoes a CRC32C it computed must echo ours: else the body was damaged on the way. */
    void checkEcho(String echoed, int crc32c, String what) {
        if (config.checksumMode() == ChecksumMode.CRC32C && echoed != null
                && !echoed.equals(Checksums.crc32cBase64(crc32c))) {
            throw new TransportException(Disposition.RETRY, ErrorCode.CHECKSUM_MISMATCH,
                    what + ": the store computed CRC32C " + echoed + ", sent " + Checksums.crc32cBase64(crc32c), null);
        }
    }

    int readBackCrc(String key) {
        return readBackCrc(key, null);
    }

    /** The CRC32C of {@code length} bytes of an object from {@code offset} (a ranged GET). */
    int readBackCrc(String key, long offset, long length) {
        return readBackCrc(key, "bytes=" + offset + "-" + (offset + length - 1));
    }

    private int readBackCrc(String key, String range) {
        return call("read back " + key + (range == null ? "" : " " + range), () -> {
            CRC32C crc = new CRC32C();
            byte[] buf = new byte[1 << 16];
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key).range(range))) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    crc.update(buf, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return (int) crc.getValue();
        });
    }

    // ---------------------------------------------------------------- objects and uploads

    Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(call("head " + key, () -> s3.headObject(b -> b.bucket(bucket).key(key))));
        } catch (TransportException e) {
            if (isNotFound(serviceCause(e))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** As {@link #head}, asking the store for the object's checksum too ({@code x-amz-checksum-mode: ENABLED}). */
    Optional<HeadObjectResponse> headWithChecksum(String key) {
        try {
            return Optional.of(call("head " + key, () -> s3.headObject(b -> b.bucket(bucket).key(key)
                    .checksumMode(software.amazon.awssdk.services.s3.model.ChecksumMode.ENABLED))));
        } catch (TransportException e) {
            if (isNotFound(serviceCause(e))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The parts the store holds for the upload, by part number (ListParts, all pages). */
    Map<Integer, Part> listParts(Upload upload) {
        Map<Integer, Part> stored = new TreeMap<>();
        Integer marker = null;
        do {
            final Integer m = marker;
            ListPartsResponse page = call("list parts of " + upload.tempKey(), () -> s3.listParts(b -> b
                    .bucket(bucket).key(upload.tempKey()).uploadId(upload.uploadId()).partNumberMarker(m)));
            page.parts().forEach(p -> stored.put(p.partNumber(), p));
            marker = Boolean.TRUE.equals(page.isTruncated()) ? page.nextPartNumberMarker() : null;
        } while (marker != null);
        return stored;
    }

    void abortQuietly(String key, String uploadId) {
        try {
            call("abort " + key, () -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)));
        } catch (TransportException e) {
            if (e.code() == ErrorCode.CANCELLED) {
                throw e;
            }
            LOG.debug("abort of {} upload {} failed (the sweeper will retry): {}", key, uploadId, e.getMessage());
        }
    }

    void deleteQuietly(String key) {
        try {
            call("delete " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        } catch (TransportException e) {
            if (e.code() == ErrorCode.CANCELLED) {
                throw e;
            }
            LOG.debug("delete of {} failed (the sweeper will retry): {}", key, e.getMessage());
        }
    }

    /** Temporary key: under the temp prefix, unique per attempt; hashed when the key is too long. */
    String tempKey(String targetKey, String attemptToken) {
        String candidate = config.tempPrefix() + attemptToken + "/" + targetKey;
        if (candidate.getBytes(StandardCharsets.UTF_8).length <= MAX_KEY_BYTES) {
            return candidate;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(targetKey.getBytes(StandardCharsets.UTF_8));
            return config.tempPrefix() + attemptToken + "/" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
    }

    // ---------------------------------------------------------------- helpers without state

    static AwsRequestOverrideConfiguration shaped(RequestShape shape, long offset, long len) {
        return AwsRequestOverrideConfiguration.builder()
                .putExecutionAttribute(RequestShapeInterceptor.SHAPE, new RequestShapeInterceptor.Shape(
                        shape.method(), shape.queryFor(offset, len), shape.headersFor(offset, len)))
                .build();
    }

    static SdkServiceException serviceCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SdkServiceException s) {
                return s;
            }
        }
        return null;
    }

    /** A 404 about the key or upload; {@code NoSuchBucket} is also 404 but means the destination is gone. */
    static boolean isNotFound(SdkServiceException se) {
        return se != null && se.statusCode() == 404 && !"NoSuchBucket".equals(S3ErrorClassifier.errorCode(se));
    }

    static TransportException invalid(String message) {
        return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST, message, null);
    }

    static Map<String, String> lowerKeys(Map<String, String> metadata) {
        Map<String, String> m = new LinkedHashMap<>();
        metadata.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v));
        return m;
    }

    static boolean sameMetadata(Map<String, String> wanted, Map<String, String> stored) {
        Map<String, String> s = lowerKeys(stored);
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(s.get(e.getKey())));
    }
}
