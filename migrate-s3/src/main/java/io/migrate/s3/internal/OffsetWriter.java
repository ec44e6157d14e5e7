package io.migrate.s3.internal;

import static io.migrate.s3.internal.S3Requests.OCTET_STREAM;

import io.migrate.s3.ChecksumMode;
import io.migrate.s3.RequestShape;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * {@link io.migrate.s3.S3WriteMode#OFFSET_WRITE}: an empty temporary object created at open, then
 * every range written at its offset with the vendor's request shape ({@link RequestShape}), in any
 * order and concurrently. The object is visible (and readable half-written) under its temporary
 * key, so the commit must copy it. Only MD5 is sent: these dialects verify no CRC32C header.
 */
final class OffsetWriter extends TempKeyWriter {
    private final RequestShape shape;

    OffsetWriter(S3Requests io) {
        super(io);
        this.shape = io.config.offsetWriteShape();
    }

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> meta) {
        String tempKey = io.tempKey(targetKey, attemptToken);
        io.call("create " + tempKey, () -> io.s3.putObject(b -> b.bucket(io.bucket).key(tempKey).metadata(meta)
                .contentType(OCTET_STREAM), RequestBody.empty()));
        return new Upload(targetKey, tempKey, null, size, rangeSize, meta);
    }

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        return io.withDigestRetry("offset write " + upload.tempKey() + " @" + offset, () -> {
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(io.bucket).key(upload.tempKey())
                    .contentType(OCTET_STREAM).contentLength(len)
                    .overrideConfiguration(S3Requests.shaped(shape, offset, len));
            if (io.config.checksumMode() == ChecksumMode.MD5) {
                req.contentMD5(Checksums.md5Base64(data, crc32c, upload.tempKey() + " @" + offset));
            } else if (io.config.checksumMode() == ChecksumMode.SHA256) {
                Checksums.requireCrc32c(data, crc32c, upload.tempKey() + " @" + offset);
            }
            PutObjectResponse r = io.s3.putObject(req.build(), ByteBufferContent.body(data));
            return new RangeReceipt(offset, len, crc32c, r.eTag());
        });
    }
}
