package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.s3.S3Stores.Store;
import io.migrate.s3.internal.ChecksumProbe;
import io.migrate.s3.internal.Checksums;
import io.migrate.s3.internal.Endpoint;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ObjectAttributes;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * What each real S3 server verifies and supports, measured with plain SDK requests (not the
 * transport): the per-store table of {@code docs/s3.md} is this test's expectation, so a server
 * upgrade that changes an answer fails here and the table is updated with it. Each fact is the
 * HTTP status (and S3 error code) the server answers.
 */
class S3StoreFactsIT {
    private static final byte[] DATA = "hello world".getBytes();
    private static final String WRONG_CRC = "AAAAAA==";
    /** The MD5 of one zero byte: neither the body's nor the part's. */
    private static final String WRONG_MD5 = Checksums.md5Base64(ByteBuffer.wrap(new byte[1]));

    static Stream<Store> stores() {
        return S3Stores.all();
    }

    /** fact -> {S3Proxy 4.1.0, Ceph RGW 16.2.15} */
    private static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("PutObject, empty aws-chunked body (SDK, signed payload over http)",
                List.of("200", "400 XAmzContentSHA256Mismatch"));
        EXPECTED.put("PutObject, wrong x-amz-checksum-crc32c", List.of("400 BadDigest", "200"));
        EXPECTED.put("UploadPart, wrong x-amz-checksum-crc32c", List.of("400 BadDigest", "200"));
        EXPECTED.put("PutObject, wrong Content-MD5", List.of("400 BadDigest", "400 BadDigest"));
        EXPECTED.put("UploadPart, wrong Content-MD5", List.of("400 BadDigest", "400 BadDigest"));
        EXPECTED.put("PutObject, If-None-Match: * on an existing key", List.of("412 PreconditionFailed",
                "412 PreconditionFailed"));
        EXPECTED.put("PutObject, If-None-Match: * on a missing key", List.of("200", "200"));
        EXPECTED.put("PutObject, If-Match: wrong ETag", List.of("412 PreconditionFailed", "412 PreconditionFailed"));
        EXPECTED.put("PutObject, If-Match: current ETag (quoted, as HEAD returns it)",
                List.of("200", "412 PreconditionFailed"));
        EXPECTED.put("PutObject, If-Match: current ETag without quotes", List.of("200", "200"));
        EXPECTED.put("PutObject, If-Match on a missing key", List.of("404 NoSuchKey", "412 PreconditionFailed"));
        EXPECTED.put("CompleteMultipartUpload, If-None-Match: * on an existing key",
                List.of("412 PreconditionFailed", "200"));
        EXPECTED.put("CompleteMultipartUpload, If-Match: wrong ETag", List.of("412 PreconditionFailed", "200"));
        EXPECTED.put("PutObject, x-amz-write-offset-bytes: 5 on an 11-byte object",
                List.of("501 NotImplemented", "200"));
        EXPECTED.put("CompleteMultipartUpload after someone else aborted the upload",
                List.of("404 NoSuchUpload", "500 InternalError"));
        EXPECTED.put("ListParts after abort", List.of("200", "404 NoSuchKey"));
        EXPECTED.put("PutObject, UNSIGNED-PAYLOAD over http, wrong x-amz-checksum-crc32c",
                List.of("400 BadDigest", "200"));
        EXPECTED.put("PutObject, UNSIGNED-PAYLOAD over http, wrong Content-MD5",
                List.of("400 BadDigest", "400 BadDigest"));
        EXPECTED.put("PutObject signed whole over http (not aws-chunked), x-amz-content-sha256 of other bytes",
                List.of("400 XAmzContentSHA256Mismatch", "400 XAmzContentSHA256Mismatch"));
        EXPECTED.put("PutObject signed whole over http (not aws-chunked), right x-amz-content-sha256",
                List.of("200", "200"));
        EXPECTED.put("ListParts of an upload with CRC32C parts: each part's ChecksumCRC32C",
                List.of("[null, null]", "[null, null]"));
        EXPECTED.put("HeadObject (checksum mode on) of a 2-part upload with CRC32C parts: x-amz-checksum-crc32c",
                List.of("the parts' composite CRC32C-2", "absent"));
        EXPECTED.put("GetObjectAttributes Checksum of that object",
                List.of("the parts' composite CRC32C-2 COMPOSITE", "403 SignatureDoesNotMatch"));
        EXPECTED.put("CreateMultipartUpload, x-amz-checksum-type: FULL_OBJECT (CRC32C)", List.of("200", "200"));
        EXPECTED.put("CompleteMultipartUpload FULL_OBJECT without part checksums, wrong whole-object x-amz-checksum-crc32c",
                List.of("200", "200"));
        EXPECTED.put("CompleteMultipartUpload FULL_OBJECT, wrong whole-object x-amz-checksum-crc32c",
                List.of("400 BadDigest", "200"));
        EXPECTED.put("CompleteMultipartUpload FULL_OBJECT, right whole-object x-amz-checksum-crc32c",
                List.of("200", "200"));
        EXPECTED.put("HeadObject (checksum mode on) after the FULL_OBJECT upload",
                List.of("the whole object's CRC32C", "absent"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void theStoreAnswersAsTheTableSays(Store store) {
        Map<String, String> seen = new LinkedHashMap<>();
        String p = "facts/";
        try (S3Client s = store.client()) {
            String good = Checksums.crc32cBase64(Checksums.crc32c(ByteBuffer.wrap(DATA)));
            seen.put("PutObject, empty aws-chunked body (SDK, signed payload over http)",
                    answer(() -> s.putObject(b -> b.bucket(BUCKET).key(p + "empty"), RequestBody.empty())));
            seen.put("PutObject, wrong x-amz-checksum-crc32c", answer(() -> s.putObject(b -> b.bucket(BUCKET)
                    .key(p + "crc").checksumCRC32C(WRONG_CRC), RequestBody.fromBytes(DATA))));
            seen.put("UploadPart, wrong x-amz-checksum-crc32c", part(s, p + "partcrc", b -> b.checksumCRC32C(WRONG_CRC)));
            seen.put("PutObject, wrong Content-MD5", answer(() -> s.putObject(b -> b.bucket(BUCKET).key(p + "md5")
                    .contentMD5(WRONG_MD5), RequestBody.fromBytes(DATA))));
            seen.put("UploadPart, wrong Content-MD5", part(s, p + "partmd5", b -> b.contentMD5(WRONG_MD5)));

            String key = p + "cond";
            s.putObject(b -> b.bucket(BUCKET).key(key).checksumCRC32C(good), RequestBody.fromBytes(DATA));
            seen.put("PutObject, If-None-Match: * on an existing key", answer(() -> s.putObject(b -> b.bucket(BUCKET)
                    .key(key).ifNoneMatch("*"), RequestBody.fromBytes(DATA))));
            seen.put("PutObject, If-None-Match: * on a missing key", answer(() -> s.putObject(b -> b.bucket(BUCKET)
                    .key(p + "new").ifNoneMatch("*"), RequestBody.fromBytes(DATA))));
            seen.put("PutObject, If-Match: wrong ETag", answer(() -> s.putObject(b -> b.bucket(BUCKET).key(key)
                    .ifMatch("\"0123\""), RequestBody.fromBytes(DATA))));
            String etag = s.headObject(b -> b.bucket(BUCKET).key(key)).eTag();
            seen.put("PutObject, If-Match: current ETag (quoted, as HEAD returns it)", answer(() -> s.putObject(b -> b
                    .bucket(BUCKET).key(key).ifMatch(etag), RequestBody.fromBytes(DATA))));
            String unquoted = s.headObject(b -> b.bucket(BUCKET).key(key)).eTag().replace("\"", "");
            seen.put("PutObject, If-Match: current ETag without quotes", answer(() -> s.putObject(b -> b
                    .bucket(BUCKET).key(key).ifMatch(unquoted), RequestBody.fromBytes(DATA))));
            seen.put("PutObject, If-Match on a missing key", answer(() -> s.putObject(b -> b.bucket(BUCKET)
                    .key(p + "missing").ifMatch(etag), RequestBody.fromBytes(DATA))));
            seen.put("CompleteMultipartUpload, If-None-Match: * on an existing key",
                    complete(s, key, b -> b.ifNoneMatch("*")));
            seen.put("CompleteMultipartUpload, If-Match: wrong ETag", complete(s, key, b -> b.ifMatch("\"0123\"")));
            seen.put("PutObject, x-amz-write-offset-bytes: 5 on an 11-byte object", answer(() -> s.putObject(b -> b
                    .bucket(BUCKET).key(key).writeOffsetBytes(5L), RequestBody.fromBytes(DATA))));

            String ab = p + "aborted";
            String id = s.createMultipartUpload(b -> b.bucket(BUCKET).key(ab)).uploadId();
            String partEtag = s.uploadPart(b -> b.bucket(BUCKET).key(ab).uploadId(id).partNumber(1),
                    RequestBody.fromBytes(new byte[5 << 20])).eTag();
            s.abortMultipartUpload(b -> b.bucket(BUCKET).key(ab).uploadId(id));
            seen.put("CompleteMultipartUpload after someone else aborted the upload", answer(() -> s
                    .completeMultipartUpload(b -> b.bucket(BUCKET).key(ab).uploadId(id).multipartUpload(m -> m
                            .parts(CompletedPart.builder().partNumber(1).eTag(partEtag).build())))));
            seen.put("ListParts after abort", answer(() -> s.listParts(b -> b.bucket(BUCKET).key(ab).uploadId(id))));

            try (Endpoint unsigned = Endpoint.create(store.endpoint(), store.config()
                    .payloadSigning(PayloadSigning.UNSIGNED).build())) {
                seen.put("PutObject, UNSIGNED-PAYLOAD over http, wrong x-amz-checksum-crc32c", answer(() -> unsigned.client()
                        .putObject(b -> b.bucket(BUCKET).key(p + "ucrc").checksumCRC32C(WRONG_CRC),
                                RequestBody.fromBytes(DATA))));
                seen.put("PutObject, UNSIGNED-PAYLOAD over http, wrong Content-MD5", answer(() -> unsigned.client()
                        .putObject(b -> b.bucket(BUCKET).key(p + "umd5").contentMD5(WRONG_MD5),
                                RequestBody.fromBytes(DATA))));
                seen.put("PutObject signed whole over http (not aws-chunked), x-amz-content-sha256 of other bytes",
                        answer(() -> unsigned.client().putObject(b -> b.bucket(BUCKET).key(p + "sha-other")
                                .overrideConfiguration(o -> o.putHeader(ChecksumProbe.SIGN_WHOLE, "other")),
                                RequestBody.fromBytes(DATA))));
                seen.put("PutObject signed whole over http (not aws-chunked), right x-amz-content-sha256",
                        answer(() -> unsigned.client().putObject(b -> b.bucket(BUCKET).key(p + "sha-own")
                                .overrideConfiguration(o -> o.putHeader(ChecksumProbe.SIGN_WHOLE, "own")),
                                RequestBody.fromBytes(DATA))));
            }
            wholeObjectChecksums(s, p, seen);
        } finally {
            store.clean(p);
        }
        int column = store.isRgw() ? 1 : 0;
        StringBuilder table = new StringBuilder("\n| fact | " + store + " |\n|---|---|\n");
        seen.forEach((k, v) -> table.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        System.out.println(table);
        Map<String, String> expected = new LinkedHashMap<>();
        EXPECTED.forEach((k, v) -> expected.put(k, v.get(column)));
        assertThat(seen).as(table.toString()).containsExactlyEntriesOf(expected);
    }

    /**
     * What a completed multipart upload says about its content: the composite CRC32C of its parts
     * (HEAD with checksum mode, GetObjectAttributes), and AWS's FULL_OBJECT CRC32C, verified at
     * completion where the store implements it. Decides what a skip of a directly committed
     * object can compare (docs/s3.md).
     */
    private static void wholeObjectChecksums(S3Client s, String p, Map<String, String> seen) {
        byte[] part1 = new byte[5 << 20];
        part1[7] = 1;
        byte[] part2 = DATA;
        int c1 = Checksums.crc32c(ByteBuffer.wrap(part1));
        int c2 = Checksums.crc32c(ByteBuffer.wrap(part2));
        String key = p + "composite";
        String id = s.createMultipartUpload(b -> b.bucket(BUCKET).key(key).checksumAlgorithm(ChecksumAlgorithm.CRC32_C))
                .uploadId();
        String e1 = s.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(1)
                .checksumCRC32C(Checksums.crc32cBase64(c1)), RequestBody.fromBytes(part1)).eTag();
        String e2 = s.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(2)
                .checksumCRC32C(Checksums.crc32cBase64(c2)), RequestBody.fromBytes(part2)).eTag();
        String listed = value(() -> {
            var ps = s.listParts(b -> b.bucket(BUCKET).key(key).uploadId(id)).parts();
            return ps.stream().map(x -> String.valueOf(x.checksumCRC32C())).toList().toString();
        });
        s.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(id).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(e1).checksumCRC32C(Checksums.crc32cBase64(c1)).build(),
                CompletedPart.builder().partNumber(2).eTag(e2).checksumCRC32C(Checksums.crc32cBase64(c2)).build())));
        // the composite: the CRC32C of the parts' big-endian CRC32Cs, then "-" and the part count
        String composite = Checksums.crc32cBase64(Checksums.crc32c(ByteBuffer.allocate(8).putInt(c1).putInt(c2)
                .flip())) + "-2";
        seen.put("ListParts of an upload with CRC32C parts: each part's ChecksumCRC32C", listed
                .replace(Checksums.crc32cBase64(c1), "its CRC32C").replace(Checksums.crc32cBase64(c2), "its CRC32C"));
        seen.put("HeadObject (checksum mode on) of a 2-part upload with CRC32C parts: x-amz-checksum-crc32c",
                value(() -> s.headObject(b -> b.bucket(BUCKET).key(key)
                        .checksumMode(software.amazon.awssdk.services.s3.model.ChecksumMode.ENABLED))
                        .checksumCRC32C()).replace(composite, "the parts' composite CRC32C-2"));
        seen.put("GetObjectAttributes Checksum of that object", value(() -> {
            var a = s.getObjectAttributes(b -> b.bucket(BUCKET).key(key)
                    .objectAttributes(ObjectAttributes.CHECKSUM, ObjectAttributes.OBJECT_PARTS));
            return a.checksum() == null ? null : a.checksum().checksumCRC32C() + " " + a.checksum().checksumTypeAsString();
        }).replace(composite, "the parts' composite CRC32C-2"));

        String full = p + "full";
        int whole = Checksums.crc32c(ByteBuffer.wrap(concat(part1, part2)));
        String[] fid = new String[1];
        seen.put("CreateMultipartUpload, x-amz-checksum-type: FULL_OBJECT (CRC32C)", answer(() -> fid[0] = s
                .createMultipartUpload(b -> b.bucket(BUCKET).key(full).checksumAlgorithm(ChecksumAlgorithm.CRC32_C)
                        .checksumType(ChecksumType.FULL_OBJECT)).uploadId()));
        if (fid[0] == null) {
            seen.put("CompleteMultipartUpload FULL_OBJECT, wrong whole-object x-amz-checksum-crc32c", "-");
            seen.put("CompleteMultipartUpload FULL_OBJECT, right whole-object x-amz-checksum-crc32c", "-");
            seen.put("HeadObject (checksum mode on) after the FULL_OBJECT upload", "-");
            return;
        }
        String f1 = s.uploadPart(b -> b.bucket(BUCKET).key(full).uploadId(fid[0]).partNumber(1)
                .checksumCRC32C(Checksums.crc32cBase64(c1)), RequestBody.fromBytes(part1)).eTag();
        String f2 = s.uploadPart(b -> b.bucket(BUCKET).key(full).uploadId(fid[0]).partNumber(2)
                .checksumCRC32C(Checksums.crc32cBase64(c2)), RequestBody.fromBytes(part2)).eTag();
        List<CompletedPart> parts = List.of(
                CompletedPart.builder().partNumber(1).eTag(f1).checksumCRC32C(Checksums.crc32cBase64(c1)).build(),
                CompletedPart.builder().partNumber(2).eTag(f2).checksumCRC32C(Checksums.crc32cBase64(c2)).build());
        // the same without the parts' CRC32Cs in the completion (ListParts does not return them), on its own upload
        String bareKey = p + "full-bare";
        String bid = s.createMultipartUpload(b -> b.bucket(BUCKET).key(bareKey)
                .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).checksumType(ChecksumType.FULL_OBJECT)).uploadId();
        String b1 = s.uploadPart(b -> b.bucket(BUCKET).key(bareKey).uploadId(bid).partNumber(1)
                .checksumCRC32C(Checksums.crc32cBase64(c1)), RequestBody.fromBytes(part1)).eTag();
        String b2 = s.uploadPart(b -> b.bucket(BUCKET).key(bareKey).uploadId(bid).partNumber(2)
                .checksumCRC32C(Checksums.crc32cBase64(c2)), RequestBody.fromBytes(part2)).eTag();
        seen.put("CompleteMultipartUpload FULL_OBJECT without part checksums, wrong whole-object x-amz-checksum-crc32c",
                answer(() -> s.completeMultipartUpload(b -> b.bucket(BUCKET).key(bareKey).uploadId(bid)
                        .checksumCRC32C(Checksums.crc32cBase64(whole ^ 1)).checksumType(ChecksumType.FULL_OBJECT)
                        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(b1).build(),
                                CompletedPart.builder().partNumber(2).eTag(b2).build())))));
        seen.put("CompleteMultipartUpload FULL_OBJECT, wrong whole-object x-amz-checksum-crc32c", answer(() -> s
                .completeMultipartUpload(b -> b.bucket(BUCKET).key(full).uploadId(fid[0])
                        .checksumCRC32C(Checksums.crc32cBase64(whole ^ 1)).checksumType(ChecksumType.FULL_OBJECT)
                        .multipartUpload(m -> m.parts(parts)))));
        seen.put("CompleteMultipartUpload FULL_OBJECT, right whole-object x-amz-checksum-crc32c", answer(() -> s
                .completeMultipartUpload(b -> b.bucket(BUCKET).key(full).uploadId(fid[0])
                        .checksumCRC32C(Checksums.crc32cBase64(whole)).checksumType(ChecksumType.FULL_OBJECT)
                        .multipartUpload(m -> m.parts(parts)))));
        seen.put("HeadObject (checksum mode on) after the FULL_OBJECT upload", value(() -> {
            String got = s.headObject(b -> b.bucket(BUCKET).key(full)
                    .checksumMode(software.amazon.awssdk.services.s3.model.ChecksumMode.ENABLED)).checksumCRC32C();
            return got == null ? null : got.equals(Checksums.crc32cBase64(whole)) ? "the whole object's CRC32C" : got;
        }));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The value a request returns, "absent" for null, or the error as {@link #answer} renders it. */
    private static String value(Supplier<String> request) {
        String[] v = new String[1];
        String a = answer(() -> v[0] = request.get());
        return !"200".equals(a) ? a : v[0] == null ? "absent" : v[0];
    }

    /** One 5 MiB part with a checksum header set by {@code header}, then the upload aborted. */
    private static String part(S3Client s, String key, Consumer<UploadPartRequest.Builder> header) {
        String id = s.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        try {
            return answer(() -> s.uploadPart(b -> header.accept(b.bucket(BUCKET).key(key).uploadId(id).partNumber(1)),
                    RequestBody.fromBytes(new byte[5 << 20])));
        } finally {
            s.abortMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(id));
        }
    }

    /** A one-part upload on {@code key} completed with the precondition {@code header}. */
    private static String complete(S3Client s, String key, Consumer<CompleteMultipartUploadRequest.Builder> header) {
        String id = s.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        try {
            String etag = s.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(id).partNumber(1),
                    RequestBody.fromBytes(new byte[5 << 20])).eTag();
            return answer(() -> s.completeMultipartUpload(b -> header.accept(b.bucket(BUCKET).key(key).uploadId(id)
                    .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())))));
        } finally {
            try {
                s.abortMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(id));
            } catch (AwsServiceException e) {
                // completed: nothing to abort
            }
        }
    }

    private static String answer(Supplier<Object> request) {
        try {
            request.get();
            return "200";
        } catch (AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            return e.statusCode() + (code == null || code.isEmpty() ? "" : " " + code);
        }
    }
}
