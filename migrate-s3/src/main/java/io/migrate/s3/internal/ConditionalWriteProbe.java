package io.migrate.s3.internal;

import io.migrate.s3.ConditionalWriteSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Finds out once, when the transport starts, whether the store enforces conditional writes: on a
 * probe key under the temp prefix (so the sweeper removes it if the cleanup here fails), each of
 * PutObject and CompleteMultipartUpload must refuse {@code If-None-Match: *} and a wrong
 * {@code If-Match} with 412 (or 409 {@code ConditionalRequestConflict}) <em>and</em> accept the
 * right {@code If-Match}. Refusing is not enough: a store that refuses every request with a
 * precondition would look fenced and never commit; accepting a failed precondition means the store
 * ignores the header (S3Proxy's CompleteMultipartUpload, RGW's appends, ...).
 *
 * <p>Stateless; runs on the caller's thread. Sends up to 10 requests.
 */
public final class ConditionalWriteProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ConditionalWriteProbe.class);
    private static final String WRONG_ETAG = "\"00000000000000000000000000000000\"";

    private ConditionalWriteProbe() {
    }

    /**
     * @param s3 a client of one endpoint
     * @param bucket the bucket
     * @param tempPrefix the temp prefix, never empty
     * @return what the store enforces
     * @throws RuntimeException (the SDK's) if the endpoint could not be asked at all: the caller
     *     tries another endpoint
     */
    public static ConditionalWriteSupport probe(S3Client s3, String bucket, String tempPrefix) {
        String key = tempPrefix + "conditional-write-probe/" + UUID.randomUUID();
        List<String> seen = new ArrayList<>();
        String etag = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("0")).eTag();
        String uploadId = null;
        try {
            boolean put = refused(seen, "PutObject If-None-Match: *", () -> s3.putObject(b -> b.bucket(bucket).key(key)
                            .ifNoneMatch("*"), RequestBody.fromString("1")).eTag())
                    && refused(seen, "PutObject If-Match: <wrong>", () -> s3.putObject(b -> b.bucket(bucket).key(key)
                            .ifMatch(WRONG_ETAG), RequestBody.fromString("2")).eTag());
            boolean unquoted = false;
            if (put) {
                String applied = accepted(seen, "PutObject If-Match: <current>", () -> s3.putObject(b -> b.bucket(bucket)
                        .key(key).ifMatch(etag), RequestBody.fromString("3")).eTag());
                if (applied == null && etag != null && !unquote(etag).equals(etag)) {
                    // RGW 16 compares If-Match with its stored (unquoted) ETag byte for byte
                    applied = accepted(seen, "PutObject If-Match: <current, unquoted>", () -> s3.putObject(b -> b
                            .bucket(bucket).key(key).ifMatch(unquote(etag)), RequestBody.fromString("3")).eTag());
                    unquoted = applied != null;
                    if (unquoted) {
                        seen.remove(seen.size() - 1); // the quoted refusal: explained by unquoted
                    }
                }
                put = applied != null;
            }
            // Whatever was applied above, the completion's If-Match must name what is there now.
            String current = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
            String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
            uploadId = id;
            String partTag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1),
                    RequestBody.fromString("4")).eTag();
            final String matching = unquoted ? unquote(current) : current;
            boolean complete = refused(seen, "CompleteMultipartUpload If-None-Match: *", () -> s3
                            .completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).ifNoneMatch("*")
                                    .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(partTag)))).eTag())
                    && refused(seen, "CompleteMultipartUpload If-Match: <wrong>", () -> s3
                            .completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).ifMatch(WRONG_ETAG)
                                    .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(partTag)))).eTag())
                    && accepted(seen, "CompleteMultipartUpload If-Match: <current>", () -> s3
                            .completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id).ifMatch(matching)
                                    .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(partTag)))).eTag()) != null;
            ConditionalWriteSupport result = new ConditionalWriteSupport(put, complete, unquoted,
                    seen.isEmpty() ? "probed: failed preconditions refused with 412, met ones applied" : String.join("; ", seen));
            LOG.debug("conditional write probe on {}: {}", key, result);
            return result;
        } finally {
            cleanUp(s3, bucket, key, uploadId);
        }
    }

    /** @return the ETag without surrounding quotes */
    static String unquote(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
    }

    /** Whether the request was refused as a failed precondition; anything else is recorded and means "no". */
    private static boolean refused(List<String> seen, String what, Supplier<String> request) {
        try {
            request.get();
            seen.add(what + " was applied (the store ignores the precondition)");
            return false;
        } catch (SdkServiceException e) {
            String code = S3ErrorClassifier.errorCode(e);
            // 409 ConditionalRequestConflict: AWS's answer when a conditional write races another.
            if (e.statusCode() == 412 || "ConditionalRequestConflict".equals(code)) {
                return true;
            }
            seen.add(what + " answered " + (code == null ? "" : code + " ") + "HTTP " + e.statusCode());
            return false;
        }
    }

    /** The new ETag if the request was applied, else null with what happened recorded. */
    private static String accepted(List<String> seen, String what, Supplier<String> request) {
        try {
            return request.get();
        } catch (SdkServiceException e) {
            String code = S3ErrorClassifier.errorCode(e);
            seen.add(what + " answered " + (code == null ? "" : code + " ") + "HTTP " + e.statusCode()
                    + " (the store refuses a met precondition)");
            return null;
        }
    }

    private static void cleanUp(S3Client s3, String bucket, String key, String uploadId) {
        try {
            if (uploadId != null) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
                } catch (SdkServiceException e) {
                    // 404 NoSuchUpload: it was completed, nothing to abort
                }
            }
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (RuntimeException e) {
            LOG.debug("conditional write probe: cleanup of {} failed (the sweeper removes it): {}", key, e.toString());
        }
    }
}
