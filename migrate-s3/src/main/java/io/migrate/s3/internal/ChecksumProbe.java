package io.migrate.s3.internal;

import io.migrate.s3.ChecksumMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Resolves {@link ChecksumMode#AUTO}: which per-range checksum the store actually verifies, asked
 * once when the transport starts. A store that ignores a checksum header stores damaged bytes as
 * if they were good (Ceph RGW 16 ignores {@code x-amz-checksum-crc32c}); sending one it verifies
 * is what makes the default path verified. Four {@code PutObject}s at most, each with a checksum
 * that does not match its 22-byte body (and one with the right signed hash), on a fresh key under
 * the temporary prefix; an accepted probe object is deleted (the stale-upload sweeper removes it
 * if that fails).
 *
 * <p>Stateless; called from the transport's constructor.
 */
public final class ChecksumProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumProbe.class);
    private static final byte[] BODY = "migrate checksum probe".getBytes(StandardCharsets.US_ASCII);
    /**
     * A request header, only for probes and tests: the transport's signer removes it and signs the
     * body whole with the SHA-256 of the body itself ({@code own}) or of as many zero bytes
     * ({@code other}), to ask whether the store verifies {@code x-amz-content-sha256}.
     */
    public static final String SIGN_WHOLE = "x-migrate-probe-sign-whole";

    private ChecksumProbe() {
    }

    /**
     * @param s3 a client of one endpoint
     * @param bucket the bucket
     * @param tempPrefix the transport's temporary prefix
     * @return {@link ChecksumMode#CRC32C} if the store rejects a wrong CRC32C, else
     *     {@link ChecksumMode#MD5} if it rejects a wrong Content-MD5, else CRC32C (with a warning)
     * @throws RuntimeException what the SDK throws if the store cannot be asked (down, refused):
     *     the caller tries another endpoint
     */
    public static ChecksumMode probe(S3Client s3, String bucket, String tempPrefix) {
        return verified(s3, bucket, tempPrefix).orElseGet(() -> {
            LOG.warn("the store at {} verifies neither x-amz-checksum-crc32c nor Content-MD5: ranges are sent with "
                    + "CRC32C (compared where echoed); consider readBackVerification(true)",
                    s3.serviceClientConfiguration().endpointOverride().orElse(null));
            return ChecksumMode.CRC32C;
        });
    }

    /**
     * @param s3 a client of one endpoint
     * @param bucket the bucket
     * @param tempPrefix the transport's temporary prefix
     * @return the checksum the store verifies ({@link ChecksumMode#CRC32C} first, else
     *     {@link ChecksumMode#MD5}), empty if it verifies neither
     * @throws RuntimeException what the SDK throws if the store cannot be asked
     */
    public static Optional<ChecksumMode> verified(S3Client s3, String bucket, String tempPrefix) {
        return verified(s3, bucket, tempPrefix, HardwareSha256.available());
    }

    /**
     * As {@link #verified(S3Client, String, String)}, choosing between the two checksums that cost a
     * pass over every byte by what this CPU hashes faster.
     *
     * @param s3 a client of one endpoint
     * @param bucket the bucket
     * @param tempPrefix the transport's temporary prefix
     * @param sha256BeforeMd5 whether to try {@link ChecksumMode#SHA256} before {@link ChecksumMode#MD5}
     *     (where SHA-256 runs in hardware, {@link HardwareSha256}); false: MD5 only
     * @return CRC32C if the store rejects a wrong one (free: the mover computes it anyway); else
     *     SHA256 if asked to try it and the store rejects a body whose signed SHA-256 is wrong and
     *     accepts one whose is right; else MD5 if it rejects a wrong one; else empty
     * @throws RuntimeException what the SDK throws if the store cannot be asked
     */
    public static Optional<ChecksumMode> verified(S3Client s3, String bucket, String tempPrefix,
                                                  boolean sha256BeforeMd5) {
        String key = tempPrefix + "probe-checksum-" + UUID.randomUUID();
        int crc = Checksums.crc32c(ByteBuffer.wrap(BODY));
        if (rejects(s3, PutObjectRequest.builder().bucket(bucket).key(key)
                .checksumCRC32C(Checksums.crc32cBase64(crc ^ 1)).contentLength((long) BODY.length).build(), key)) {
            return Optional.of(ChecksumMode.CRC32C);
        }
        if (sha256BeforeMd5 && verifiesSignedBodySha256(s3, bucket, key)) {
            return Optional.of(ChecksumMode.SHA256);
        }
        byte[] otherMd5 = Checksums.md5Base64(ByteBuffer.wrap(new byte[] {0})).getBytes(StandardCharsets.US_ASCII);
        if (rejects(s3, PutObjectRequest.builder().bucket(bucket).key(key)
                .contentMD5(new String(otherMd5, StandardCharsets.US_ASCII)).contentLength((long) BODY.length).build(),
                key)) {
            return Optional.of(ChecksumMode.MD5);
        }
        return Optional.empty();
    }

    /**
     * Whether the store verifies an AWS full-object CRC32C ({@code x-amz-checksum-type: FULL_OBJECT})
     * at CompleteMultipartUpload and reports it on HEAD: then a directly committed multipart object
     * carries the whole file's CRC32C, checked by the store against its parts, although its user
     * metadata was fixed before that CRC was known. Six requests on a fresh key under the temporary
     * prefix: a one-part FULL_OBJECT upload completed first with a wrong whole-object CRC32C (must be
     * refused as a digest mismatch), then with the right one, a HEAD with checksum mode (must return
     * it), and the deletion. S3Proxy 4.1.0 passes; Ceph RGW 16 accepts the header and ignores it.
     *
     * @param s3 a client of one endpoint
     * @param bucket the bucket
     * @param tempPrefix the transport's temporary prefix
     * @return whether the store verifies and reports full-object CRC32Cs
     * @throws RuntimeException what the SDK throws if the store cannot be asked
     */
    public static boolean verifiesFullObjectCrc32c(S3Client s3, String bucket, String tempPrefix) {
        String key = tempPrefix + "probe-full-crc-" + UUID.randomUUID();
        int crc = Checksums.crc32c(ByteBuffer.wrap(BODY));
        String id;
        try {
            id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32_C)
                    .checksumType(ChecksumType.FULL_OBJECT)).uploadId();
        } catch (SdkServiceException e) {
            if (e.statusCode() >= 400 && e.statusCode() < 600 && e.statusCode() != 500 && e.statusCode() != 503) {
                return false; // the header or the algorithm is refused: not supported
            }
            throw e;
        }
        boolean completed = false;
        try {
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1)
                    .checksumCRC32C(Checksums.crc32cBase64(crc)), RequestBody.fromBytes(BODY)).eTag();
            CompletedPart part = CompletedPart.builder().partNumber(1).eTag(etag)
                    .checksumCRC32C(Checksums.crc32cBase64(crc)).build();
            try {
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
                        .checksumCRC32C(Checksums.crc32cBase64(crc ^ 1)).checksumType(ChecksumType.FULL_OBJECT)
                        .multipartUpload(m -> m.parts(part)));
                completed = true;
                return false; // a wrong whole-object CRC32C was accepted
            } catch (SdkServiceException e) {
                if (e.statusCode() != 400 || !S3ErrorClassifier.DIGEST_CODES.contains(S3ErrorClassifier.errorCode(e))) {
                    return false;
                }
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
                    .checksumCRC32C(Checksums.crc32cBase64(crc)).checksumType(ChecksumType.FULL_OBJECT)
                    .multipartUpload(m -> m.parts(part)));
            completed = true;
            String reported = s3.headObject(b -> b.bucket(bucket).key(key).checksumMode(software.amazon.awssdk.services.s3.model.ChecksumMode.ENABLED))
                    .checksumCRC32C();
            return Checksums.crc32cBase64(crc).equals(reported);
        } finally {
            try {
                if (completed) {
                    s3.deleteObject(b -> b.bucket(bucket).key(key));
                } else {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
                }
            } catch (RuntimeException e) {
                LOG.debug("probe upload {} not removed (the sweeper will): {}", key, e.getMessage());
            }
        }
    }

    /**
     * Whether the store checks {@code x-amz-content-sha256} of a body signed whole: a put signed with
     * the hash of other bytes must be refused as a digest mismatch, and the same put signed with its
     * own body's hash accepted (a store that refused both could not take {@link ChecksumMode#SHA256}).
     */
    static boolean verifiesSignedBodySha256(S3Client s3, String bucket, String key) {
        try {
            if (!rejects(s3, PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) BODY.length)
                    .overrideConfiguration(o -> o.putHeader(SIGN_WHOLE, "other")).build(), key)) {
                return false;
            }
            return !rejects(s3, PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) BODY.length)
                    .overrideConfiguration(o -> o.putHeader(SIGN_WHOLE, "own")).build(), key);
        } catch (SdkServiceException e) {
            if (e.statusCode() >= 500 || e.statusCode() == 408 || e.statusCode() == 429) {
                throw e; // the store is unwell, not saying no: the caller asks another endpoint
            }
            LOG.debug("the store refuses bodies signed whole ({}): not using SHA256", e.statusCode());
            return false;
        }
    }

    /** Whether the store refused the put as a digest mismatch; an accepted probe object is removed. */
    private static boolean rejects(S3Client s3, PutObjectRequest req, String key) {
        try {
            s3.putObject(req, RequestBody.fromBytes(BODY));
        } catch (SdkServiceException e) {
            if (e.statusCode() == 400 && S3ErrorClassifier.DIGEST_CODES.contains(S3ErrorClassifier.errorCode(e))) {
                return true;
            }
            throw e;
        }
        try {
            s3.deleteObject(b -> b.bucket(req.bucket()).key(key));
        } catch (RuntimeException e) {
            LOG.debug("probe object {} not deleted (the sweeper will): {}", key, e.getMessage());
        }
        return false;
    }
}
