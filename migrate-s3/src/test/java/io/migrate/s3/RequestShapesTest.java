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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request shapes of OFFSET_WRITE and APPEND, checked on the wire against a recording HTTP
 * server: no local S3 server implements these vendor extensions (ECS, OBS, RGW, OSS, S3 Express).
 */
class RequestShapesTest {
    private static final Map<String, String> META = Map.of("migrate-crc32c", "1234abcd");
    private RecordingS3Server server;

    @BeforeEach
    void start() throws Exception {
        server = RecordingS3Server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private S3TestSupport.Open open(S3TransportConfig.Builder b) {
        return S3TestSupport.Open.of(S3TestSupport.scripted(server.endpoint(), b).build());
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static RangeReceipt write(TransportSession s, Upload u, long offset, String data) {
        ByteBuffer b = bytes(data);
        return s.write(u, offset, b, Checksums.crc32c(b));
    }

    private List<Request> puts() {
        return server.requests().stream().filter(r -> !r.method().equals("HEAD")).toList();
    }

    @Test
    void unsignedPayloadSkipsTheBodyHashOverHttpAndKeepsTheSignatureAndChecksum() {
        for (boolean unsigned : new boolean[] {false, true}) {
            server.clear();
            try (S3TestSupport.Open o = open(S3TransportConfig.builder().unsignedPayload(unsigned))) {
                ByteBuffer body = bytes("0123456789");
                o.session().putWhole("dir/f", body, Checksums.crc32c(body), META);
                Request put = puts().get(0);
                assertThat(put.header("Authorization")).as("signed").startsWith("AWS4-HMAC-SHA256 ");
                assertThat(put.header("x-amz-checksum-crc32c")).isEqualTo(Checksums.crc32cBase64(Checksums.crc32c(body)));
                if (unsigned) {
                    assertThat(put.header("x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
                    assertThat(put.bodyLength()).isEqualTo(10);
                } else {
                    assertThat(put.header("x-amz-content-sha256")).isNotEqualTo("UNSIGNED-PAYLOAD");
                }
            }
        }
    }

    /**
     * {@link ChecksumMode#SHA256}: the body goes as it is (not {@code aws-chunked}) with its own
     * SHA-256 in the signature, over http; a buffer that no longer holds what the mover read is
     * refused before anything is sent.
     */
    @Test
    void sha256ModeSignsTheWholeBodyWithItsOwnHashAndRefusesBytesTheMoverDidNotRead() throws Exception {
        try (S3TestSupport.Open o = S3TestSupport.Open.of(S3TestSupport.scripted(server.endpoint(),
                S3TransportConfig.builder()).checksumMode(ChecksumMode.SHA256).build())) {
            ByteBuffer body = bytes("0123456789");
            o.session().putWhole("dir/f", body, Checksums.crc32c(body), META);
            Request put = puts().get(0);
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest("0123456789".getBytes(
                    StandardCharsets.US_ASCII));
            assertThat(put.header("x-amz-content-sha256")).isEqualTo(java.util.HexFormat.of().formatHex(sha));
            assertThat(put.header("Content-Encoding")).as("not aws-chunked").isNull();
            assertThat(put.bodyLength()).isEqualTo(10);
            assertThat(put.header("Content-MD5")).isNull();
            assertThat(put.header("x-amz-checksum-crc32c")).isNull();

            server.clear();
            assertThatThrownBy(() -> o.session().putWhole("dir/g", body, Checksums.crc32c(body) ^ 1, META))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH));
            assertThat(puts()).as("nothing sent").isEmpty();
        }
    }

    /**
     * {@link PayloadSigning#UNSIGNED} chosen by the host with {@link ChecksumMode#AUTO}, on a store
     * that ignores CRC32C and verifies both the signed body's SHA-256 and {@code Content-MD5} (as Ceph
     * RGW 16 does): the probe must not pick {@link ChecksumMode#SHA256}, whose checksum is the signed
     * payload, but {@code Content-MD5} with unsigned payloads. Picking SHA256 made the transport
     * refuse to start on a CPU with SHA instructions (the resolved configuration, SHA256 with
     * UNSIGNED, fails validation).
     */
    @Test
    void anExplicitlyUnsignedPayloadKeepsAutoOffTheSignedBodyAndTheTransportStarts() throws Exception {
        String zerosSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(new byte[22])); // what the probe signs a body of other bytes with
        String otherMd5 = Checksums.md5Base64(ByteBuffer.wrap(new byte[] {0}));
        server.respondWith(r -> {
            if (r.method().equals("PUT") && zerosSha.equals(r.header("x-amz-content-sha256"))) {
                return Response.error(400, "XAmzContentSHA256Mismatch", Map.of());
            }
            if (r.method().equals("PUT") && otherMd5.equals(r.header("Content-MD5"))) {
                return Response.error(400, "BadDigest", Map.of());
            }
            return Response.ok(); // a wrong x-amz-checksum-crc32c is accepted, like RGW 16
        });
        try (S3Transport t = S3Transport.create(S3TestSupport.scripted(server.endpoint(), S3TransportConfig.builder())
                .checksumMode(ChecksumMode.AUTO).payloadSigning(PayloadSigning.UNSIGNED).build())) {
            assertThat(t.checksumMode()).isEqualTo(ChecksumMode.MD5);
            assertThat(t.unsignedPayload()).isTrue();
            assertThat(server.requests()).as("no body signed whole").noneMatch(r -> {
                String h = r.header("x-amz-content-sha256");
                return h != null && h.matches("[0-9a-f]{64}") && r.bodyLength() > 0;
            });
        }
    }

    @Test
    void dellEcsWritesRangesWithARangeHeader() {
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.OFFSET_WRITE)
                .offsetWriteShape(RequestShape.DELL_ECS))) {
            TransportSession s = o.session();
            Upload u = s.open("dir/f", "a1", 12, 4, META);
            write(s, u, 8, "wxyz");
            write(s, u, 0, "abcd");
            List<Request> rs = puts();
            assertThat(rs).hasSize(3);
            Request create = rs.get(0);
            assertThat(create.method()).isEqualTo("PUT");
            assertThat(create.path()).isEqualTo("/b/.migrate-tmp/a1/dir/f");
            assertThat(create.header("Range")).isNull();
            assertThat(create.header("x-amz-meta-migrate-crc32c")).isEqualTo("1234abcd");
            assertThat(rs.get(1).method()).isEqualTo("PUT");
            assertThat(rs.get(1).header("Range")).isEqualTo("bytes=8-11");
            assertThat(rs.get(1).query()).isNull();
            assertThat(rs.get(2).header("Range")).isEqualTo("bytes=0-3");
        }
    }

    @Test
    void huaweiObsPfsWritesWithModifyAndPosition() {
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.OFFSET_WRITE)
                .offsetWriteShape(RequestShape.HUAWEI_OBS_PFS))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            write(s, u, 4, "efgh");
            Request w = puts().get(1);
            assertThat(w.method()).isEqualTo("PUT");
            assertThat(w.query()).isEqualTo("modify&position=4");
            assertThat(w.header("Range")).isNull();
        }
    }

    @Test
    void aConfiguredShapePlugsInAnotherPlatform() {
        RequestShape shape = RequestShape.of("POST", Map.of("x-op", "write", "at", "{offset}"),
                Map.of("X-Write-Range", "{offset}+{length}"));
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.OFFSET_WRITE)
                .offsetWriteShape(shape))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            write(s, u, 4, "efgh");
            Request w = puts().get(1);
            assertThat(w.method()).isEqualTo("POST");
            assertThat(w.query()).contains("x-op=write").contains("at=4");
            assertThat(w.header("X-Write-Range")).isEqualTo("4+4");
        }
    }

    @Test
    void cephRgwAppendsInOrderWithPositions() {
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND)
                .appendDialect(AppendDialect.CEPH_RGW))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            assertThat(server.requests()).as("open sends nothing: the first append creates the object").isEmpty();
            write(s, u, 0, "abcd");
            write(s, u, 4, "efgh");
            List<Request> rs = puts();
            assertThat(rs).extracting(Request::method).containsExactly("PUT", "PUT");
            assertThat(rs).extracting(Request::query).containsExactly("append&position=0", "append&position=4");
            assertThat(rs.get(0).header("x-amz-meta-migrate-crc32c")).isEqualTo("1234abcd");
            assertThat(rs.get(1).header("x-amz-meta-migrate-crc32c")).isNull();
        }
    }

    @Test
    void ossAppendsWithPost() {
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND)
                .appendDialect(AppendDialect.ALIBABA_OSS))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            write(s, u, 0, "abcd");
            write(s, u, 4, "efgh");
            assertThat(puts()).extracting(Request::method).containsExactly("POST", "POST");
            assertThat(puts()).extracting(Request::query).containsExactly("append&position=0", "append&position=4");
        }
    }

    @Test
    void s3ExpressAppendsWithWriteOffsetBytes() {
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND)
                .appendDialect(AppendDialect.S3_EXPRESS))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            write(s, u, 0, "abcd");
            write(s, u, 4, "efgh");
            List<Request> rs = puts();
            assertThat(rs).extracting(Request::method).containsExactly("PUT", "PUT");
            assertThat(rs.get(0).header("x-amz-write-offset-bytes")).isNull();
            assertThat(rs.get(1).header("x-amz-write-offset-bytes")).isEqualTo("4");
            assertThat(rs.get(1).header("x-amz-checksum-crc32c"))
                    .isEqualTo(Checksums.crc32cBase64(Checksums.crc32c(bytes("efgh"))));
        }
    }

    @Test
    void appendMismatchIsAcceptedWhenTheStoreAlreadyHasTheRange() {
        server.respondWith(r -> r.method().equals("GET") ? new Response(200, Map.of(), "efgh")
                : Response.error(409, "PositionNotEqualToLength", Map.of("x-rgw-next-append-position", "8")));
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            RangeReceipt r = write(s, u, 4, "efgh");
            assertThat(r.offset()).isEqualTo(4);
            assertThat(r.length()).isEqualTo(4);
            assertThat(server.requests()).as("the range read back before it is accepted")
                    .anyMatch(q -> q.method().equals("GET") && "bytes=4-7".equals(q.header("Range")));
        }
    }

    /**
     * The object already ends where this range would, but with other bytes: the range an earlier
     * run appended last, which the mover found to differ from the source on resume
     * ({@code AppendWriter#resume} reads it back, the mover compares) and so sends again. Accepting
     * the conflict by length alone stored the old bytes under the source's CRC32C; the range must
     * be read back, and an object holding other bytes is not this upload's (a new one starts).
     */
    @Test
    void appendMismatchWithOtherBytesAtThatLengthEndsTheUpload() {
        server.respondWith(r -> r.method().equals("GET") ? new Response(200, Map.of(), "WXYZ")
                : Response.error(409, "PositionNotEqualToLength", Map.of("x-rgw-next-append-position", "8")));
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 12, 4, META);
            assertThatThrownBy(() -> write(s, u, 4, "efgh"))
                    .as("the object holds other bytes there: not accepted as this range")
                    .isInstanceOf(io.migrate.transport.UploadGoneException.class);
        }
    }

    @Test
    void appendMismatchEndsTheUploadWhenTheStoreHasAnotherLength() {
        server.respondWith(r -> Response.error(409, "PositionNotEqualToLength",
                Map.of("x-rgw-next-append-position", "2")));
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            assertThatThrownBy(() -> write(s, u, 4, "efgh"))
                    .as("not this upload's object any more: the mover starts a new upload")
                    .isInstanceOfSatisfying(io.migrate.transport.UploadGoneException.class, e -> {
                        assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
                        assertThat(e.code()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
                        assertThat(e.getMessage()).contains("has 2 bytes");
                    });
        }
    }

    @Test
    void s3ExpressInvalidWriteOffsetAsksHeadForTheLength() {
        server.respondWith(r -> r.method().equals("HEAD")
                ? new Response(200, Map.of("Content-Length", "8", "ETag", "\"e\""), "")
                : r.method().equals("GET") ? new Response(200, Map.of(), "efgh")
                : Response.error(400, "InvalidWriteOffset", Map.of()));
        try (S3TestSupport.Open o = open(S3TransportConfig.builder().writeMode(S3WriteMode.APPEND)
                .appendDialect(AppendDialect.S3_EXPRESS))) {
            TransportSession s = o.session();
            Upload u = s.open("f", "a1", 8, 4, META);
            assertThat(write(s, u, 4, "efgh").length()).isEqualTo(4);
            assertThat(server.requests()).extracting(Request::method).containsExactly("PUT", "HEAD", "GET");
        }
    }
}
