package io.migrate.s3.internal;

import io.migrate.error.ErrorCode;
import io.migrate.s3.AppendDialect;
import io.migrate.s3.ChecksumMode;
import io.migrate.s3.RequestShape;
import io.migrate.s3.S3TransportConfig;
import io.migrate.s3.S3WriteMode;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One mover thread's session on one endpoint: the S3 side of every {@link TransportSession}
 * call in the three write modes. Pooled by {@code S3Transport}; the thread that borrowed it owns
 * it until it is returned (not thread-safe). State: {@code broken} (set on a FAILOVER answer, so
 * the pool destroys the session instead of handing it out again), the consecutive 5xx count, and
 * the time of last use for validation.
 */
public final class S3Session implements TransportSession {
    private static final Logger LOG = LoggerFactory.getLogger(S3Session.class);
    private static final int MAX_KEY_BYTES = 1024;
    private static final String OCTET_STREAM = "application/octet-stream";

    private final Endpoint endpoint;
    private final S3TransportConfig config;
    private final S3ErrorClassifier classifier;
    private final Set<String> knownMarkers;
    private final S3Client s3;
    private final String bucket;

    // Owned by the borrowing thread; read by the pool's evictor only through the volatile fields.
    private volatile boolean broken;
    private volatile long lastUsedNanos = System.nanoTime();
    private int consecutiveServerErrors;

    /**
     * @param endpoint the endpoint (shared client)
     * @param config the transport configuration
     * @param classifier the error classifier
     * @param knownMarkers parent markers already created, shared by the transport's sessions
     */
    public S3Session(Endpoint endpoint, S3TransportConfig config, S3ErrorClassifier classifier,
            Set<String> knownMarkers) {
        this.endpoint = endpoint;
        this.config = config;
        this.classifier = classifier;
        this.knownMarkers = knownMarkers;
        this.s3 = endpoint.client();
        this.bucket = config.bucket();
    }

    @Override
    public String endpointId() {
        return endpoint.id();
    }

    /** @return whether this session reported FAILOVER and must not be reused */
    public boolean isBroken() {
        return broken;
    }

    /** @return nanoTime of the last call */
    public long lastUsedNanos() {
        return lastUsedNanos;
    }

    /**
     * Runs the health probe on this session's endpoint.
     *
     * @throws TransportException classified, if the endpoint is unwell
     */
    public void probe() {
        call("probe " + endpoint.id(), () -> {
            config.healthProbe().probe(s3, bucket);
            return null;
        });
    }

    // ---------------------------------------------------------------- open

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> metadata) {
        validateKey(targetKey);
        if (attemptToken == null || attemptToken.isBlank()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INTERNAL, "attemptToken is blank", null);
        }
        if (size < 0 || rangeSize <= 0) {
            throw invalid("size " + size + " and rangeSize " + rangeSize + " must be >= 0 and > 0");
        }
        Map<String, String> meta = lowerKeys(metadata);
        boolean direct = config.writeMode() == S3WriteMode.MULTIPART && config.directMultipartCommit()
                && size > rangeSize;
        // Direct: the pending multipart upload is the temporary location, invisible until complete.
        String tempKey = direct ? targetKey : tempKey(targetKey, attemptToken);
        String uploadId = null;
        switch (config.writeMode()) {
            case MULTIPART -> {
                if (size > rangeSize) {
                    checkPartSizing(size, rangeSize);
                    CreateMultipartUploadRequest.Builder req = CreateMultipartUploadRequest.builder()
                            .bucket(bucket).key(tempKey).metadata(meta).contentType(OCTET_STREAM);
                    if (config.checksumMode() == ChecksumMode.CRC32C) {
                        req.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
                    }
                    uploadId = call("create multipart upload " + tempKey,
                            () -> s3.createMultipartUpload(req.build()).uploadId());
                }
                // size <= rangeSize: one PutObject in write() (or complete() for an empty file).
            }
            case OFFSET_WRITE -> call("create " + tempKey, () -> s3.putObject(
                    b -> b.bucket(bucket).key(tempKey).metadata(meta).contentType(OCTET_STREAM), RequestBody.empty()));
            case APPEND -> {
                // The first append (position 0) creates the object.
            }
            default -> throw new IllegalStateException(config.writeMode().toString());
        }
        LOG.debug("opened {} -> {} (upload {}, {} bytes, ranges of {})", targetKey, tempKey, uploadId, size, rangeSize);
        return new Upload(targetKey, tempKey, uploadId, size, rangeSize, meta);
    }

    private void checkPartSizing(long size, long rangeSize) {
        if (rangeSize < S3TransportConfig.MIN_PART_SIZE || rangeSize > S3TransportConfig.MAX_PART_SIZE) {
            throw invalid("multipart range size " + rangeSize + " outside [5 MiB, 5 GiB]");
        }
        if ((size + rangeSize - 1) / rangeSize > S3TransportConfig.MAX_PARTS) {
            throw invalid("size " + size + " in ranges of " + rangeSize + " needs more than 10,000 parts");
        }
    }

    // ---------------------------------------------------------------- write

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        if (offset < 0 || offset + len > upload.size()) {
            throw invalid("range [" + offset + ", " + (offset + len) + ") outside the file of " + upload.size());
        }
        if (len == 0) {
            // Only an empty file has an empty range; complete() stores it with one PutObject.
            return new RangeReceipt(offset, 0, crc32c, null);
        }
        return switch (config.writeMode()) {
            case MULTIPART -> writePart(upload, offset, data, crc32c);
            case OFFSET_WRITE -> writeShaped(upload, offset, data, crc32c, config.offsetWriteShape());
            case APPEND -> writeAppend(upload, offset, data, crc32c);
        };
    }

    private RangeReceipt writePart(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        if (upload.uploadId() == null) {
            if (offset != 0 || len != upload.size()) {
                throw invalid("single-part upload takes one range [0, " + upload.size() + "), got offset " + offset
                        + " length " + len);
            }
            return withDigestRetry("put " + upload.tempKey(), () -> {
                PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(upload.tempKey())
                        .metadata(upload.metadata()).contentType(OCTET_STREAM).contentLength(len);
                addChecksum(req, data, crc32c);
                PutObjectResponse r = s3.putObject(req.build(), ByteBufferContent.body(data));
                checkEcho(r.checksumCRC32C(), crc32c, upload.tempKey());
                return new RangeReceipt(offset, len, crc32c, r.eTag());
            });
        }
        long rangeSize = upload.rangeSize();
        if (offset % rangeSize != 0) {
            throw invalid("part offset " + offset + " is not a multiple of the range size " + rangeSize);
        }
        boolean last = offset + len == upload.size();
        if (len != rangeSize && !last || len == 0) {
            throw invalid("part at " + offset + " has " + len + " bytes; every part but the last must have " + rangeSize);
        }
        int partNumber = Math.toIntExact(offset / rangeSize + 1);
        return withDigestRetry("upload part " + partNumber + " of " + upload.tempKey(), () -> {
            UploadPartRequest.Builder req = UploadPartRequest.builder().bucket(bucket).key(upload.tempKey())
                    .uploadId(upload.uploadId()).partNumber(partNumber).contentLength(len);
            switch (config.checksumMode()) {
                case CRC32C -> req.checksumCRC32C(Checksums.crc32cBase64(crc32c));
                case MD5 -> req.contentMD5(Checksums.md5Base64(data));
                case NONE -> { }
                default -> throw new IllegalStateException();
            }
            UploadPartResponse r = s3.uploadPart(req.build(), ByteBufferContent.body(data));
            checkEcho(r.checksumCRC32C(), crc32c, upload.tempKey() + " part " + partNumber);
            return new RangeReceipt(offset, len, crc32c, r.eTag());
        });
    }

    private RangeReceipt writeShaped(Upload upload, long offset, ByteBuffer data, int crc32c, RequestShape shape) {
        long len = data.remaining();
        return withDigestRetry("offset write " + upload.tempKey() + " @" + offset, () -> {
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(upload.tempKey())
                    .contentType(OCTET_STREAM).contentLength(len)
                    .overrideConfiguration(shaped(shape, offset, len));
            if (config.checksumMode() == ChecksumMode.MD5) {
                req.contentMD5(Checksums.md5Base64(data));
            }
            PutObjectResponse r = s3.putObject(req.build(), ByteBufferContent.body(data));
            return new RangeReceipt(offset, len, crc32c, r.eTag());
        });
    }

    private static AwsRequestOverrideConfiguration shaped(RequestShape shape, long offset, long len) {
        return AwsRequestOverrideConfiguration.builder()
                .putExecutionAttribute(RequestShapeInterceptor.SHAPE, new RequestShapeInterceptor.Shape(
                        shape.method(), shape.queryFor(offset, len), shape.headersFor(offset, len)))
                .build();
    }

    private RangeReceipt writeAppend(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        AppendDialect dialect = config.appendDialect();
        String op = "append " + upload.tempKey() + " @" + offset;
        try {
            return withDigestRetry(op, () -> {
                PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(upload.tempKey())
                        .contentType(OCTET_STREAM).contentLength(len);
                if (offset == 0) {
                    req.metadata(upload.metadata());
                }
                if (dialect.isS3Express()) {
                    if (offset > 0) {
                        req.writeOffsetBytes(offset);
                    }
                    if (config.checksumMode() == ChecksumMode.CRC32C) {
                        req.checksumCRC32C(Checksums.crc32cBase64(crc32c));
                    }
                } else {
                    req.overrideConfiguration(shaped(dialect.shape(), offset, len));
                }
                if (config.checksumMode() == ChecksumMode.MD5) {
                    req.contentMD5(Checksums.md5Base64(data));
                }
                PutObjectResponse r = s3.putObject(req.build(), ByteBufferContent.body(data));
                return new RangeReceipt(offset, len, crc32c, r.eTag());
            });
        } catch (TransportException e) {
            SdkServiceException se = serviceCause(e);
            if (se == null || !(S3ErrorClassifier.OFFSET_CODES.contains(S3ErrorClassifier.errorCode(se))
                    || se.statusCode() == 409)) {
                throw e;
            }
            // The store's length is the truth: an earlier attempt of this very range may have
            // landed (ambiguous failure), or the object is not where the mover thinks.
            long current = nextPosition(se, dialect).orElseGet(() -> headLength(upload.tempKey()));
            if (current == offset + len) {
                LOG.debug("{}: already appended (length {}), accepting", op, current);
                return new RangeReceipt(offset, len, crc32c, null);
            }
            throw new TransportException(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED,
                    op + ": the object has " + current + " bytes, cannot resume at " + offset, e);
        }
    }

    private static Optional<Long> nextPosition(SdkServiceException se, AppendDialect dialect) {
        if (dialect.nextPositionHeader() == null || !(se instanceof software.amazon.awssdk.awscore.exception.AwsServiceException a)
                || a.awsErrorDetails() == null || a.awsErrorDetails().sdkHttpResponse() == null) {
            return Optional.empty();
        }
        return a.awsErrorDetails().sdkHttpResponse().firstMatchingHeader(dialect.nextPositionHeader())
                .flatMap(v -> {
                    try {
                        return Optional.of(Long.parseLong(v.trim()));
                    } catch (NumberFormatException nfe) {
                        return Optional.empty();
                    }
                });
    }

    private long headLength(String key) {
        return headRaw(key).map(HeadObjectResponse::contentLength).orElse(0L);
    }

    private void addChecksum(PutObjectRequest.Builder req, ByteBuffer data, int crc32c) {
        switch (config.checksumMode()) {
            case CRC32C -> req.checksumCRC32C(Checksums.crc32cBase64(crc32c));
            case MD5 -> req.contentMD5(Checksums.md5Base64(data));
            case NONE -> { }
            default -> throw new IllegalStateException();
        }
    }

    private void checkEcho(String echoed, int crc32c, String what) {
        if (config.checksumMode() == ChecksumMode.CRC32C && echoed != null
                && !echoed.equals(Checksums.crc32cBase64(crc32c))) {
            throw new TransportException(Disposition.RETRY, ErrorCode.CHECKSUM_MISMATCH,
                    what + ": the store computed CRC32C " + echoed + ", sent " + Checksums.crc32cBase64(crc32c), null);
        }
    }

    // ---------------------------------------------------------------- put whole

    @Override
    public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata) {
        validateKey(targetKey);
        Map<String, String> meta = lowerKeys(metadata);
        if (config.createParentMarkers()) {
            createParentMarkers(targetKey);
        }
        long len = data.remaining();
        withDigestRetry("put " + targetKey, () -> {
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(targetKey)
                    .metadata(meta).contentType(OCTET_STREAM).contentLength(len);
            if (len > 0) {
                addChecksum(req, data, crc32c);
            }
            PutObjectResponse r = s3.putObject(req.build(), len > 0 ? ByteBufferContent.body(data) : RequestBody.empty());
            checkEcho(r.checksumCRC32C(), crc32c, targetKey);
            return r;
        });
        LOG.debug("put {} ({} bytes) on its final key", targetKey, len);
    }

    /** Sends once, re-sends once on a digest error, then reports it as permanent. */
    private <T> T withDigestRetry(String op, Supplier<T> send) {
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

    // ---------------------------------------------------------------- complete

    /** Whether the upload is a multipart upload on its final key, completed by commit. */
    private static boolean isDirect(Upload upload) {
        return upload.uploadId() != null && upload.tempKey().equals(upload.targetKey());
    }

    @Override
    public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
        if (isDirect(upload)) {
            verifyParts(upload, ranges);
            return;
        }
        if (config.writeMode() == S3WriteMode.MULTIPART && upload.uploadId() != null) {
            completeMultipart(upload, ranges);
        } else if (upload.size() == 0) {
            call("put empty " + upload.tempKey(), () -> s3.putObject(b -> b.bucket(bucket).key(upload.tempKey())
                    .metadata(upload.metadata()).contentType(OCTET_STREAM), RequestBody.empty()));
        }
        verifyTemp(upload, crc32c);
    }

    /**
     * Direct mode's complete: the parts the store holds (ListParts) must be exactly the
     * receipts, with their sizes and ETags; the upload itself is completed by commit.
     */
    private void verifyParts(Upload upload, List<RangeReceipt> ranges) {
        checkPartCount(upload, ranges);
        Map<Integer, Part> stored = listParts(upload);
        if (stored.size() != ranges.size()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH, upload.tempKey()
                    + " has " + stored.size() + " parts, expected " + ranges.size(), null);
        }
        for (RangeReceipt r : ranges) {
            int n = Math.toIntExact(r.offset() / upload.rangeSize() + 1);
            Part p = stored.get(n);
            if (p == null || p.size() != r.length() || r.tag() != null && !r.tag().equals(p.eTag())) {
                throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH, upload.tempKey()
                        + " part " + n + " is " + (p == null ? "missing" : p.size() + " bytes, ETag " + p.eTag())
                        + ", expected " + r.length() + " bytes, ETag " + r.tag(), null);
            }
        }
    }

    /** The parts the store holds for the upload, by part number (ListParts, all pages). */
    private Map<Integer, Part> listParts(Upload upload) {
        Map<Integer, Part> stored = new java.util.TreeMap<>();
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

    private static void checkPartCount(Upload upload, List<RangeReceipt> ranges) {
        long expected = (upload.size() + upload.rangeSize() - 1) / upload.rangeSize();
        if (ranges.size() != expected) {
            throw invalid("complete of " + upload.tempKey() + " with " + ranges.size() + " parts, expected " + expected);
        }
    }

    private void completeMultipart(Upload upload, List<RangeReceipt> ranges) {
        checkPartCount(upload, ranges);
        completeMultipartWith(upload, partList(upload, ranges));
    }

    private void completeMultipartWith(Upload upload, List<CompletedPart> parts) {
        String op = "complete " + upload.tempKey();
        try {
            call(op, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(upload.tempKey())
                    .uploadId(upload.uploadId()).multipartUpload(m -> m.parts(parts))));
        } catch (TransportException e) {
            // A retried Complete whose first try succeeded: the object is there if it happened.
            requireAlreadyCompleted(upload, e);
            LOG.debug("{}: upload already completed, object verified by HEAD", op);
        }
    }

    /**
     * After {@code e}: returns if it is {@code NoSuchUpload} and the completed object (HEAD) has
     * the upload's size and metadata, i.e. an earlier try completed it; else rethrows {@code e}.
     */
    private void requireAlreadyCompleted(Upload upload, TransportException e) {
        if (!"NoSuchUpload".equals(S3ErrorClassifier.errorCode(serviceCause(e)))) {
            throw e;
        }
        Optional<HeadObjectResponse> head = headRaw(upload.tempKey());
        if (head.isEmpty() || head.get().contentLength() != upload.size()
                || !sameMetadata(upload.metadata(), head.get().metadata())) {
            throw e;
        }
    }

    private List<CompletedPart> partList(Upload upload, List<RangeReceipt> ranges) {
        List<CompletedPart> parts = new ArrayList<>(ranges.size());
        for (RangeReceipt r : ranges) {
            CompletedPart.Builder p = CompletedPart.builder()
                    .partNumber(Math.toIntExact(r.offset() / upload.rangeSize() + 1)).eTag(r.tag());
            if (config.checksumMode() == ChecksumMode.CRC32C) {
                p.checksumCRC32C(Checksums.crc32cBase64(r.crc32c()));
            }
            parts.add(p.build());
        }
        return parts;
    }

    private void verifyTemp(Upload upload, int crc32c) {
        HeadObjectResponse head = headRaw(upload.tempKey()).orElseThrow(() -> new TransportException(
                Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED, upload.tempKey() + " missing after complete", null));
        if (head.contentLength() != upload.size()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH,
                    upload.tempKey() + " has " + head.contentLength() + " bytes, expected " + upload.size(), null);
        }
        if (config.readBackVerification()) {
            int stored = readBackCrc(upload.tempKey());
            if (stored != crc32c) {
                throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH,
                        upload.tempKey() + " reads back with CRC32C " + Integer.toHexString(stored) + ", expected "
                                + Integer.toHexString(crc32c), null);
            }
        }
    }

    private int readBackCrc(String key) {
        return call("read back " + key, () -> {
            CRC32C crc = new CRC32C();
            byte[] buf = new byte[1 << 16];
            try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(bucket).key(key))) {
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

    // ---------------------------------------------------------------- commit

    @Override
    public void commit(Upload upload, Map<String, String> metadata) {
        Map<String, String> meta = lowerKeys(metadata);
        if (config.createParentMarkers()) {
            createParentMarkers(upload.targetKey());
        }
        if (isDirect(upload)) {
            // The multipart upload is on the final key: completing it is the atomic commit. Its
            // metadata is the one given at open (see directMultipartCommit).
            try {
                List<CompletedPart> parts = new ArrayList<>();
                for (Part p : listParts(upload).values()) {
                    CompletedPart.Builder c = CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag());
                    if (config.checksumMode() == ChecksumMode.CRC32C && p.checksumCRC32C() != null) {
                        c.checksumCRC32C(p.checksumCRC32C());
                    }
                    parts.add(c.build());
                }
                completeMultipartWith(upload, parts);
            } catch (TransportException e) {
                // Listing found no upload: completed by an earlier commit if the object matches.
                requireAlreadyCompleted(upload, e);
            }
            LOG.debug("committed {} by completing its multipart upload", upload.targetKey());
            return;
        }
        String op = "commit " + upload.tempKey() + " -> " + upload.targetKey();
        try {
            if (upload.size() > config.multipartCopyThreshold()) {
                multipartCopy(upload, meta);
            } else {
                call(op, () -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(upload.tempKey())
                        .destinationBucket(bucket).destinationKey(upload.targetKey())
                        .metadataDirective(MetadataDirective.REPLACE).metadata(meta).contentType(OCTET_STREAM)));
            }
        } catch (TransportException e) {
            if (!isNotFound(serviceCause(e))) {
                throw e;
            }
            // The temporary object is gone: if the final object carries this upload's size and
            // metadata, an earlier commit got through (then deleted the temp); else it is lost.
            Optional<TargetStat> done = stat(upload.targetKey());
            if (done.isEmpty() || done.get().size() != upload.size() || !sameMetadata(meta, done.get().metadata())) {
                throw e;
            }
            LOG.debug("{}: already committed", op);
            return;
        }
        deleteQuietly(upload.tempKey());
        LOG.debug("committed {}", op);
    }

    private void multipartCopy(Upload upload, Map<String, String> meta) {
        String key = upload.targetKey();
        String id = call("create copy upload " + key, () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(key)
                .metadata(meta).contentType(OCTET_STREAM)).uploadId());
        try {
            long partSize = Math.max(config.copyPartSize(),
                    (upload.size() + S3TransportConfig.MAX_PARTS - 1) / S3TransportConfig.MAX_PARTS);
            List<CompletedPart> parts = new ArrayList<>();
            for (long off = 0; off < upload.size(); off += partSize) {
                long end = Math.min(upload.size(), off + partSize) - 1;
                int n = Math.toIntExact(off / partSize + 1);
                String range = "bytes=" + off + "-" + end;
                String etag = call("copy part " + n + " of " + key, () -> s3.uploadPartCopy(b -> b
                        .sourceBucket(bucket).sourceKey(upload.tempKey()).destinationBucket(bucket)
                        .destinationKey(key).uploadId(id).partNumber(n).copySourceRange(range))
                        .copyPartResult().eTag());
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
            }
            call("complete copy " + key, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)
                    .multipartUpload(m -> m.parts(parts))));
        } catch (RuntimeException e) {
            abortQuietly(key, id);
            throw e;
        }
    }

    private void createParentMarkers(String key) {
        int slash = key.indexOf('/');
        while (slash > 0) {
            String marker = key.substring(0, slash + 1);
            if (!knownMarkers.contains(marker)) {
                call("create marker " + marker, () -> s3.putObject(b -> b.bucket(bucket).key(marker)
                        .contentType("application/x-directory"), RequestBody.empty()));
                knownMarkers.add(marker);
            }
            slash = key.indexOf('/', slash + 1);
        }
    }

    private static boolean sameMetadata(Map<String, String> wanted, Map<String, String> stored) {
        Map<String, String> s = lowerKeys(stored);
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(s.get(e.getKey())));
    }

    // ---------------------------------------------------------------- abort, stat

    @Override
    public void abort(Upload upload) {
        if (upload.uploadId() != null) {
            abortQuietly(upload.tempKey(), upload.uploadId());
        }
        if (!upload.tempKey().equals(upload.targetKey())) {
            // Never delete a final key: in direct mode it may hold an earlier committed version.
            deleteQuietly(upload.tempKey());
        }
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            call("abort " + key, () -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)));
        } catch (TransportException e) {
            if (e.code() == ErrorCode.CANCELLED) {
                throw e;
            }
            LOG.debug("abort of {} upload {} failed (the sweeper will retry): {}", key, uploadId, e.getMessage());
        }
    }

    private void deleteQuietly(String key) {
        try {
            call("delete " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        } catch (TransportException e) {
            if (e.code() == ErrorCode.CANCELLED) {
                throw e;
            }
            LOG.debug("delete of {} failed (the sweeper will retry): {}", key, e.getMessage());
        }
    }

    @Override
    public Optional<TargetStat> stat(String key) {
        validateKey(key);
        return headRaw(key).map(h -> new TargetStat(h.contentLength(), h.metadata()));
    }

    /**
     * Lists the keys' common directory (delimiter {@code /}); if the whole listing fits a small
     * page budget, every key it does not show is absent. A directory with more objects than the
     * budget (1 + n/500 pages of 1,000) proves nothing and costs at most those pages, a fraction
     * of the HEADs it would have saved. No {@code start-after}: that would rely on the store
     * listing in UTF-8 order, which S3Proxy's stores, for one, do not.
     */
    @Override
    public Set<String> knownAbsent(SortedSet<String> keys) {
        if (keys.size() < 2) {
            return Set.of();
        }
        String first = keys.first();
        String prefix = first.substring(0, first.lastIndexOf('/') + 1);
        for (String k : keys) {
            validateKey(k);
            if (!k.startsWith(prefix) || k.indexOf('/', prefix.length()) >= 0 || k.length() == prefix.length()) {
                return Set.of(); // not one directory: nothing can be concluded from one listing
            }
        }
        int budget = 1 + keys.size() / 500;
        Set<String> absent = new HashSet<>(keys);
        String token = null;
        for (int pages = 1; ; pages++) {
            final String t = token;
            ListObjectsV2Response page = call("list " + prefix, () -> s3.listObjectsV2(b -> b.bucket(bucket)
                    .prefix(prefix).delimiter("/").continuationToken(t)));
            page.contents().forEach(o -> absent.remove(o.key()));
            token = page.nextContinuationToken();
            if (!Boolean.TRUE.equals(page.isTruncated()) || token == null) {
                LOG.debug("listed {} ({} pages): {} of {} targets absent", prefix, pages, absent.size(), keys.size());
                return absent;
            }
            if (pages == budget) {
                LOG.debug("{} holds more than {} pages of objects: stat-ing its {} targets", prefix, budget, keys.size());
                return Set.of();
            }
        }
    }

    private Optional<HeadObjectResponse> headRaw(String key) {
        try {
            return Optional.of(call("head " + key, () -> s3.headObject(b -> b.bucket(bucket).key(key))));
        } catch (TransportException e) {
            SdkServiceException se = serviceCause(e);
            if (se != null && se.statusCode() == 404 && !"NoSuchBucket".equals(S3ErrorClassifier.errorCode(se))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * Runs one S3 call; classifies a failure, escalates repeated 5xx to FAILOVER and marks the
     * session broken on FAILOVER.
     */
    private <T> T call(String op, Supplier<T> f) {
        lastUsedNanos = System.nanoTime();
        try {
            T t = f.get();
            consecutiveServerErrors = 0;
            return t;
        } catch (RuntimeException e) {
            TransportException te = classifier.classify(op + " on " + endpoint.id(), e);
            int status = S3ErrorClassifier.status(e);
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

    private static SdkServiceException serviceCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SdkServiceException s) {
                return s;
            }
        }
        return null;
    }

    private static boolean isNotFound(SdkServiceException se) {
        return se != null && (se.statusCode() == 404 && !"NoSuchBucket".equals(S3ErrorClassifier.errorCode(se)));
    }

    private static TransportException invalid(String message) {
        return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_REQUEST, message, null);
    }

    private static void validateKey(String key) {
        if (key == null || key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES
                || key.indexOf('\0') >= 0) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_TARGET_KEY,
                    "S3 keys are 1..1024 UTF-8 bytes without NUL: " + (key == null ? null : abbreviate(key)), null);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
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

    private static Map<String, String> lowerKeys(Map<String, String> metadata) {
        Map<String, String> m = new LinkedHashMap<>();
        metadata.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v));
        return m;
    }

    /** Returned to the pool: nothing to release, the client's connection is already back. */
    @Override
    public void close() {
        // Sessions are closed through their pool handle; see S3Transport.
    }

    @Override
    public String toString() {
        return "S3Session[" + endpoint.id() + (broken ? ", broken" : "") + "]";
    }
}
