package io.migrate.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import io.migrate.s3.S3TransportConfig;
import io.migrate.transport.Disposition;
import io.migrate.transport.TransportException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ErrorClassifierTest {
    private final S3ErrorClassifier classifier = new S3ErrorClassifier(S3TransportConfig.DEFAULT_QUOTA_ERROR_CODES);

    static Stream<Arguments> serviceErrors() {
        return Stream.of(
                // code, status, disposition, error code
                Arguments.of("SlowDown", 503, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of(null, 429, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of("InternalError", 500, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of(null, 502, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of(null, 504, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of("ServiceUnavailable", 503, Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED),
                Arguments.of("RequestTimeout", 400, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of(null, 408, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED),
                Arguments.of("NoSuchUpload", 404, Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED),
                Arguments.of("InvalidPart", 400, Disposition.RETRY, ErrorCode.CHECKSUM_MISMATCH),
                Arguments.of("BadDigest", 400, Disposition.RETRY, ErrorCode.CHECKSUM_MISMATCH),
                Arguments.of("EntityTooSmall", 400, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("InvalidPartOrder", 400, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("EntityTooLarge", 400, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("QuotaExceeded", 403, Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED),
                Arguments.of("XMinioAdminBucketQuotaExceeded", 400, Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED),
                Arguments.of("XMinioStorageFull", 507, Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED),
                Arguments.of(null, 507, Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED),
                Arguments.of("AccessDenied", 403, Disposition.PERMANENT, ErrorCode.ACCESS_DENIED),
                Arguments.of("SignatureDoesNotMatch", 403, Disposition.PERMANENT, ErrorCode.ACCESS_DENIED),
                Arguments.of("InvalidAccessKeyId", 403, Disposition.PERMANENT, ErrorCode.ACCESS_DENIED),
                Arguments.of("RequestTimeTooSkewed", 403, Disposition.PERMANENT, ErrorCode.ACCESS_DENIED),
                Arguments.of(null, 403, Disposition.PERMANENT, ErrorCode.ACCESS_DENIED),
                Arguments.of("NoSuchBucket", 404, Disposition.PERMANENT, ErrorCode.TARGET_NOT_FOUND),
                Arguments.of("InvalidWriteOffset", 400, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("PositionNotEqualToLength", 409, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("NotImplemented", 501, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of(null, 501, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("PreconditionFailed", 412, Disposition.PERMANENT, ErrorCode.TARGET_CONFLICT),
                Arguments.of(null, 412, Disposition.PERMANENT, ErrorCode.TARGET_CONFLICT),
                Arguments.of("ConditionalRequestConflict", 409, Disposition.PERMANENT, ErrorCode.TARGET_CONFLICT),
                Arguments.of("SomethingNew", 400, Disposition.PERMANENT, ErrorCode.INVALID_REQUEST),
                Arguments.of("SomethingNew", 599, Disposition.RETRY, ErrorCode.TRANSPORT_FAILED));
    }

    @ParameterizedTest(name = "{0} / HTTP {1} -> {2} {3}")
    @MethodSource("serviceErrors")
    void classifiesServiceErrorsAsTheFactsTableSays(String code, int status, Disposition d, ErrorCode c) {
        S3Exception e = (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build()).build();
        TransportException te = classifier.classify("put k", e);
        assertThat(te.disposition()).isEqualTo(d);
        assertThat(te.code()).isEqualTo(c);
        assertThat(te.getCause()).isSameAs(e);
    }

    @Test
    void rgwCompletionOfAnAbortedUploadIsAGoneUploadNotAServerFailure() {
        // Ceph RGW 16.2.15 answers CompleteMultipartUpload of an upload aborted by someone else so.
        S3Exception rgw = (S3Exception) S3Exception.builder().statusCode(500)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError")
                        .errorMessage("This multipart completion is already in progress").build()).build();
        TransportException te = classifier.classify("complete k", rgw);
        assertThat(te.disposition()).isEqualTo(Disposition.PERMANENT);
        assertThat(te.code()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
        assertThat(S3ErrorClassifier.isUploadGone(te)).isTrue();
        S3Exception other = (S3Exception) S3Exception.builder().statusCode(500)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").errorMessage("boom").build()).build();
        assertThat(S3ErrorClassifier.isUploadGone(other)).isFalse();
        assertThat(classifier.classify("complete k", other).disposition()).isEqualTo(Disposition.RETRY);
    }

    static Stream<Arguments> clientErrors() {
        return Stream.of(
                Arguments.of(SdkClientException.create("x", new ConnectException("Connection refused")), Disposition.FAILOVER),
                Arguments.of(SdkClientException.create("x", new SocketException("Connection reset")), Disposition.FAILOVER),
                Arguments.of(SdkClientException.create("x", new SocketTimeoutException("Read timed out")), Disposition.FAILOVER),
                Arguments.of(SdkClientException.create("x", new UnknownHostException("s3.example")), Disposition.FAILOVER),
                Arguments.of(ApiCallAttemptTimeoutException.create(1000), Disposition.FAILOVER),
                Arguments.of(SdkClientException.create("cannot marshal"), Disposition.RETRY));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("clientErrors")
    void connectionFailuresFailOver(Exception e, Disposition d) {
        TransportException te = classifier.classify("put k", e);
        assertThat(te.disposition()).isEqualTo(d);
        assertThat(te.code()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
    }

    @Test
    void configuredQuotaCodesReplaceTheDefaults() {
        S3ErrorClassifier custom = new S3ErrorClassifier(java.util.Set.of("VendorBucketFull"));
        assertThat(custom.classifyService("put", null, "VendorBucketFull", 400).code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(custom.classifyService("put", null, "QuotaExceeded", 403).code()).isEqualTo(ErrorCode.ACCESS_DENIED);
    }

    @Test
    void interruptionIsCancelledAndRestoresTheFlag() {
        try {
            TransportException te = classifier.classify("put", AbortedException.create("aborted"));
            assertThat(te.code()).isEqualTo(ErrorCode.CANCELLED);
            assertThat(te.disposition()).isEqualTo(Disposition.PERMANENT);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void unexpectedExceptionsAreInternal() {
        TransportException te = classifier.classify("put", new IllegalStateException("bug"));
        assertThat(te.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(te.disposition()).isEqualTo(Disposition.PERMANENT);
    }
}
