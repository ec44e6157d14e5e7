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
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Resolves {@link ChecksumMode#AUTO}: which per-range checksum the store actually verifies, asked
 * once when the transport starts. A store that ignores a checksum header stores damaged bytes as
 * if they were good (Ceph RGW 16 ignores {@code x-amz-checksum-crc32c}); sending one it verifies
 * is what makes the default path verified. Two {@code PutObject}s at most, each with a checksum
 * that does not match its 22-byte body, on a fresh key under the temporary prefix; an accepted
 * probe object is deleted (the stale-upload sweeper removes it if that fails).
 *
 * <p>Stateless; called from the transport's constructor.
 */
public final class ChecksumProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ChecksumProbe.class);
    private static final byte[] BODY = "migrate checksum probe".getBytes(StandardCharsets.US_ASCII);

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
        String key = tempPrefix + "probe-checksum-" + UUID.randomUUID();
        int crc = Checksums.crc32c(ByteBuffer.wrap(BODY));
        if (rejects(s3, PutObjectRequest.builder().bucket(bucket).key(key)
                .checksumCRC32C(Checksums.crc32cBase64(crc ^ 1)).contentLength((long) BODY.length).build(), key)) {
            return Optional.of(ChecksumMode.CRC32C);
        }
        byte[] otherMd5 = Checksums.md5Base64(ByteBuffer.wrap(new byte[] {0})).getBytes(StandardCharsets.US_ASCII);
        if (rejects(s3, PutObjectRequest.builder().bucket(bucket).key(key)
                .contentMD5(new String(otherMd5, StandardCharsets.US_ASCII)).contentLength((long) BODY.length).build(),
                key)) {
            return Optional.of(ChecksumMode.MD5);
        }
        return Optional.empty();
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
