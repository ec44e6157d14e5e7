package io.migrate.s3.internal;

import io.migrate.error.ErrorCode;
import io.migrate.transport.Disposition;
import io.migrate.transport.TransportException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Maps what the SDK throws to a {@link TransportException} with the mover's {@link Disposition}
 * and the file's {@link ErrorCode}, following {@code shared/s3-facts.md} (table in
 * {@code docs/s3.md}). Stateless rules only: escalations that need history (a second
 * {@code BadDigest}, N consecutive 5xx on a session, {@code NoSuchUpload} on complete) are
 * applied by the session on top of this.
 *
 * <p>Thread-safe (immutable).
 */
public final class S3ErrorClassifier {
    /** Codes of a part or range whose bytes did not arrive intact: re-send once, then permanent. */
    public static final Set<String> DIGEST_CODES = Set.of("BadDigest", "InvalidPart", "XAmzContentChecksumMismatch",
            "XAmzContentSHA256Mismatch", "InvalidDigest");
    /** Codes of an append or offset write at the wrong position: verify the length first. */
    public static final Set<String> OFFSET_CODES = Set.of("InvalidWriteOffset", "PositionNotEqualToLength",
            "OffsetIncorrect");
    private static final Set<String> THROTTLE_CODES = Set.of("SlowDown", "Throttling", "ThrottlingException",
            "TooManyRequests", "TooManyRequestsException", "RequestLimitExceeded");
    private static final Set<String> SIZING_CODES = Set.of("EntityTooSmall", "InvalidPartOrder", "EntityTooLarge",
            "InvalidRange", "InvalidArgument", "InvalidRequest", "MalformedXML", "KeyTooLongError",
            "MetadataTooLarge", "MissingContentLength");
    private static final Set<String> AUTH_CODES = Set.of("AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId",
            "RequestTimeTooSkewed", "InvalidSecurity", "ExpiredToken", "InvalidToken", "AllAccessDisabled",
            "AccountProblem");

    /** RGW 16's message for Complete on an aborted upload (see {@link #isUploadGone}). */
    static final String RGW_COMPLETION_IN_PROGRESS = "multipart completion is already in progress";

    private final Set<String> quotaCodes;

    /** @param quotaCodes vendor error codes that mean "destination full" */
    public S3ErrorClassifier(Set<String> quotaCodes) {
        this.quotaCodes = Set.copyOf(quotaCodes);
    }

    /**
     * @param t a failure
     * @return the S3 error code of a service error, or null
     */
    public static String errorCode(Throwable t) {
        if (t instanceof AwsServiceException e && e.awsErrorDetails() != null) {
            return e.awsErrorDetails().errorCode();
        }
        return null;
    }

    /**
     * Whether {@code t} says the multipart upload no longer exists: {@code 404 NoSuchUpload}, or
     * Ceph RGW's answer to completing an upload that someone else aborted, {@code 500
     * InternalError} "This multipart completion is already in progress" (RGW 16: the aborted
     * upload's meta object is gone, and RGW takes that for a racing completion). A retry cannot
     * succeed; the caller checks whether an earlier try completed it, else a new attempt starts
     * the upload again.
     *
     * @param t a failure (the service error may be a cause)
     * @return whether the upload is gone
     */
    public static boolean isUploadGone(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SdkServiceException) {
                return "NoSuchUpload".equals(errorCode(c)) || status(c) == 500 && "InternalError".equals(errorCode(c))
                        && errorMessage(c).contains(RGW_COMPLETION_IN_PROGRESS);
            }
        }
        return false;
    }

    private static String errorMessage(Throwable t) {
        String m = t instanceof AwsServiceException e && e.awsErrorDetails() != null
                ? e.awsErrorDetails().errorMessage() : null;
        return m != null ? m : String.valueOf(t.getMessage());
    }

    /**
     * @param t a failure
     * @return the HTTP status of a service error, or 0
     */
    public static int status(Throwable t) {
        return t instanceof SdkServiceException e ? e.statusCode() : 0;
    }

    /**
     * Classifies a failure of {@code operation}.
     *
     * @param operation what was attempted, for the message (never credentials)
     * @param t what the SDK threw
     * @return the classified exception with {@code t} as its cause
     */
    public TransportException classify(String operation, Throwable t) {
        if (t instanceof TransportException te) {
            return te;
        }
        if (t instanceof SdkServiceException) {
            return classifyService(operation, t, errorCode(t), status(t));
        }
        if (t instanceof AbortedException || hasCause(t, InterruptedException.class)
                || hasCause(t, java.nio.channels.ClosedByInterruptException.class)) {
            Thread.currentThread().interrupt();
            return new TransportException(Disposition.PERMANENT, ErrorCode.CANCELLED, operation + " interrupted", t);
        }
        if (t instanceof ApiCallAttemptTimeoutException || t instanceof ApiCallTimeoutException
                || hasCause(t, ConnectException.class) || hasCause(t, NoRouteToHostException.class)
                || hasCause(t, UnknownHostException.class) || hasCause(t, SocketTimeoutException.class)
                || hasCause(t, SocketException.class) || hasCause(t, InterruptedIOException.class)
                || hasCause(t, IOException.class)) {
            return new TransportException(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED,
                    operation + ": endpoint unreachable or connection lost (" + rootMessage(t) + ")", t);
        }
        if (t instanceof SdkClientException) {
            return new TransportException(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED,
                    operation + ": client error (" + rootMessage(t) + ")", t);
        }
        return new TransportException(Disposition.PERMANENT, ErrorCode.INTERNAL,
                operation + ": unexpected " + t.getClass().getName() + " (" + t.getMessage() + ")", t);
    }

    /**
     * The table of service errors (S3 error code and HTTP status).
     *
     * @param operation what was attempted
     * @param cause the original failure (kept as cause), may be null in tests
     * @param code the S3 error code, or null (HEAD answers have no body)
     * @param status the HTTP status
     * @return the classified exception
     */
    public TransportException classifyService(String operation, Throwable cause, String code, int status) {
        String what = operation + ": " + (code == null ? "HTTP " + status : code + " (HTTP " + status + ")");
        if (code != null && quotaCodes.contains(code) || status == 507) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED, what, cause);
        }
        if (code != null && THROTTLE_CODES.contains(code) || status == 429) {
            return new TransportException(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED, what + ": throttled", cause);
        }
        if ("RequestTimeout".equals(code) || status == 408) {
            return new TransportException(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED, what, cause);
        }
        if (code != null && AUTH_CODES.contains(code)) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.ACCESS_DENIED,
                    what + ("RequestTimeTooSkewed".equals(code) ? ": check the clocks" : ""), cause);
        }
        if ("NoSuchBucket".equals(code)) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.TARGET_NOT_FOUND, what, cause);
        }
        if (code != null && DIGEST_CODES.contains(code)) {
            return new TransportException(Disposition.RETRY, ErrorCode.CHECKSUM_MISMATCH, what, cause);
        }
        if (code != null && SIZING_CODES.contains(code)) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST, what, cause);
        }
        if (code != null && OFFSET_CODES.contains(code)) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST, what, cause);
        }
        if ("PreconditionFailed".equals(code) || "ConditionalRequestConflict".equals(code) || status == 412) {
            // Only conditional writes carry preconditions here: the key no longer holds what the
            // attempt saw (412), or another conditional write raced this one (409). Never a blind
            // retry: the mover re-reads the key and decides (fencing, #14).
            return new TransportException(Disposition.PERMANENT, ErrorCode.TARGET_CONFLICT, what, cause);
        }
        if ("NoSuchUpload".equals(code) || "NoSuchKey".equals(code)
                || status == 500 && cause != null && isUploadGone(cause)) {
            // The upload or its temporary object is gone: this attempt cannot finish, a new
            // attempt (new temporary name) can, and the mover starts one at once
            // (UploadGoneException: TRANSPORT_FAILED, a retryable code, for callers that do not).
            return new io.migrate.transport.UploadGoneException(what, cause);
        }
        if ("NotImplemented".equals(code) || status == 501) {
            // The store lacks the feature (a write mode, an append dialect, a header): no retry,
            // no other endpoint of the same store will have it either.
            return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST,
                    what + ": the store does not implement this request (check the write mode and dialect)", cause);
        }
        if (status == 503) {
            // 503 without SlowDown: the node itself is unwell (load balancer, node down).
            return new TransportException(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED, what, cause);
        }
        if (status >= 500) {
            return new TransportException(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED, what, cause);
        }
        if (status == 403) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.ACCESS_DENIED, what, cause);
        }
        if (status == 404) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED, what, cause);
        }
        return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST, what, cause);
    }

    /**
     * @param code an S3 error code
     * @return whether it is one of the configured quota codes
     */
    public boolean isQuotaCode(String code) {
        return code != null && quotaCodes.contains(code);
    }

    static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return m.toLowerCase(Locale.ROOT).contains("secret") ? root.getClass().getSimpleName() : m;
    }
}
