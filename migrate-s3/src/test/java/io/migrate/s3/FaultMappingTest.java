package io.migrate.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.s3.internal.Checksums;
import io.migrate.s3.testing.RecordingS3Server;
import io.migrate.s3.testing.RecordingS3Server.Request;
import io.migrate.s3.testing.RecordingS3Server.Response;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How vendor error answers reach the mover: a scripted HTTP server answers chosen S3 requests
 * with the error bodies of Ceph, MinIO and AWS (quota, throttling, 5xx, digest errors).
 */
class FaultMappingTest {
    private static final long PART = 5L << 20;
    private static final String INITIATE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult>"
            + "<Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>";
    private static final String COMPLETE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult>"
            + "<Bucket>b</Bucket><Key>k</Key><ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>";
    private RecordingS3Server server;

    @BeforeEach
    void start() throws Exception {
        server = RecordingS3Server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private S3Transport transport(int sdkRetries) {
        return transport(server.endpoint(), sdkRetries);
    }

    private static S3Transport transport(URI endpoint, int sdkRetries) {
        return S3Transport.create(S3TestSupport.scripted(endpoint, S3TransportConfig.builder())
                .sdkRetries(sdkRetries).build());
    }

    /** Multipart set-up answered normally; part uploads answered by {@code onPart}. */
    private void scriptParts(Function<Request, Response> onPart) {
        server.respondWith(r -> {
            String q = r.query() == null ? "" : r.query();
            if (r.method().equals("POST") && q.startsWith("uploads")) {
                return new Response(200, Map.of(), INITIATE);
            }
            if (q.contains("partNumber")) {
                return onPart.apply(r);
            }
            return Response.ok();
        });
    }

    private static RangeReceipt writeFirstPart(TransportSession s, Upload u) {
        ByteBuffer b = ByteBuffer.allocate((int) PART);
        return s.write(u, 0, b, Checksums.crc32c(b));
    }

    private static void assertFails(ThrowingCallable call, Disposition d, ErrorCode code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TransportException.class, e -> {
            assertThat(e.disposition()).as("disposition of %s", e.getMessage()).isEqualTo(d);
            assertThat(e.code()).as("code of %s", e.getMessage()).isEqualTo(code);
        });
    }

    private long partRequests() {
        return server.requests().stream().filter(r -> r.query() != null && r.query().contains("partNumber")).count();
    }

    @Test
    void cephQuotaExceededIsPermanentQuotaExceeded() {
        scriptParts(r -> Response.error(403, "QuotaExceeded", Map.of()));
        try (S3Transport t = transport(1); TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("k", "a", 2 * PART, PART, Map.of());
            assertThat(u.uploadId()).isEqualTo("up-1");
            assertFails(() -> writeFirstPart(s, u), Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED);
            assertThat(partRequests()).as("no SDK retry of a quota error").isEqualTo(1);
        }
    }

    @Test
    void minioStorageFullAndBucketQuotaAreQuotaExceeded() {
        server.respondWith(r -> Response.error(507, "XMinioStorageFull", Map.of()));
        try (S3Transport t = transport(0); TransportSession s = t.openSession(t.endpoints().get(0))) {
            assertFails(() -> s.open("k", "a", 2 * PART, PART, Map.of()), Disposition.PERMANENT,
                    ErrorCode.QUOTA_EXCEEDED);
            server.respondWith(r -> Response.error(400, "XMinioAdminBucketQuotaExceeded", Map.of()));
            assertFails(() -> s.open("k", "a", 2 * PART, PART, Map.of()), Disposition.PERMANENT,
                    ErrorCode.QUOTA_EXCEEDED);
        }
    }

    @Test
    void slowDownIsRetriedOnTheSameEndpoint() {
        scriptParts(r -> Response.error(503, "SlowDown", Map.of()));
        try (S3Transport t = transport(1); TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("k", "a", 2 * PART, PART, Map.of());
            assertFails(() -> writeFirstPart(s, u), Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);
            assertThat(partRequests()).as("one SDK retry").isEqualTo(2);
        }
    }

    @Test
    void repeatedServerErrorsOnASessionTurnIntoFailover() {
        scriptParts(r -> Response.error(500, "InternalError", Map.of()));
        try (S3Transport t = transport(0)) {
            TransportSession s = t.openSession(t.endpoints().get(0));
            Upload u = s.open("k", "a", 2 * PART, PART, Map.of());
            assertFails(() -> writeFirstPart(s, u), Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);
            assertFails(() -> writeFirstPart(s, u), Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED);
            s.close();
            s.close();
            assertThat(t.activeSessions()).isZero();
            // The broken session was destroyed: a fresh one starts with a clean error count.
            scriptParts(r -> Response.ok());
            try (TransportSession fresh = t.openSession(t.endpoints().get(0))) {
                assertThat(writeFirstPart(fresh, u).tag()).isNotNull();
            }
        }
    }

    @Test
    void badDigestIsResentOnceThenPermanent() {
        AtomicInteger n = new AtomicInteger();
        scriptParts(r -> n.incrementAndGet() == 1 ? Response.error(400, "BadDigest", Map.of()) : Response.ok());
        try (S3Transport t = transport(0); TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("k", "a", 2 * PART, PART, Map.of());
            assertThat(writeFirstPart(s, u).tag()).isNotNull();
            assertThat(partRequests()).isEqualTo(2);

            server.clear();
            scriptParts(r -> Response.error(400, "InvalidPart", Map.of()));
            assertFails(() -> writeFirstPart(s, u), Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH);
            assertThat(partRequests()).isEqualTo(2);
        }
    }

    @Test
    void aDifferentChecksumEchoedByTheStoreIsAMismatch() {
        scriptParts(r -> new Response(200, Map.of("ETag", "\"e\"", "x-amz-checksum-crc32c", "AAAAAA=="), ""));
        try (S3Transport t = transport(0); TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("k", "a", 2 * PART, PART, Map.of());
            ByteBuffer b = ByteBuffer.allocate((int) PART);
            b.put(0, (byte) 1);
            assertFails(() -> s.write(u, 0, b, Checksums.crc32c(b)), Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH);
            Request sent = server.requests().stream().filter(r -> r.query() != null && r.query().contains("partNumber"))
                    .findFirst().orElseThrow();
            assertThat(sent.header("x-amz-checksum-crc32c")).isEqualTo(Checksums.crc32cBase64(Checksums.crc32c(b)));
        }
    }

    @Test
    void noSuchUploadOnCompleteIsVerifiedWithHead() {
        server.respondWith(r -> {
            String q = r.query() == null ? "" : r.query();
            if (r.method().equals("POST") && q.startsWith("uploads")) {
                return new Response(200, Map.of(), INITIATE);
            }
            if (r.method().equals("POST") && q.startsWith("uploadId")) {
                return Response.error(404, "NoSuchUpload", Map.of());
            }
            if (r.method().equals("HEAD")) {
                return new Response(200, Map.of("Content-Length", Long.toString(2 * PART), "ETag", "\"e\""), "");
            }
            return Response.ok();
        });
        // The temporary-key path: its complete sends CompleteMultipartUpload (a direct commit's does not)
        try (S3Transport t = S3Transport.create(S3TestSupport.scripted(server.endpoint(), S3TransportConfig.builder())
                .sdkRetries(0).directMultipartCommit(false).build());
             TransportSession s = t.openSession(t.endpoints().get(0))) {
            Upload u = s.open("k", "a", 2 * PART, PART, Map.of());
            List<RangeReceipt> parts = List.of(new RangeReceipt(0, PART, 1, "\"a\""), new RangeReceipt(PART, PART, 2, "\"b\""));
            s.complete(u, parts, 3);

            server.respondWith(r -> r.method().equals("HEAD") ? new Response(404, Map.of(), "")
                    : Response.error(404, "NoSuchUpload", Map.of()));
            assertFails(() -> s.complete(u, parts, 3), Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED);
        }
    }

    @Test
    void aRefusedConnectionFailsOver() throws Exception {
        URI closed;
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + ss.getLocalPort());
        }
        try (S3Transport t = transport(closed, 0)) {
            assertFails(() -> t.checkHealth(t.endpoints().get(0)), Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED);
            try (TransportSession s = t.openSession(t.endpoints().get(0))) {
                assertFails(() -> s.open("k", "a", 2 * PART, PART, Map.of()), Disposition.FAILOVER,
                        ErrorCode.TRANSPORT_FAILED);
            }
        }
    }
}
