package io.migrate.s3.internal;

import static io.migrate.s3.internal.S3Requests.OCTET_STREAM;

import io.migrate.s3.AppendDialect;
import io.migrate.s3.ChecksumMode;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportException;
import io.migrate.transport.Upload;
import io.migrate.transport.UploadGoneException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * {@link io.migrate.s3.S3WriteMode#APPEND}: ranges appended in order to a temporary object (the
 * first append creates it), in the configured {@link AppendDialect}. The object is visible while
 * it grows, so the commit must copy it. A position conflict is resolved by the store's length,
 * which is the truth after an ambiguous failure; an object of another length than this append
 * continues is not this upload's any more (another writer appended to it, or an earlier run's
 * bytes were found to differ from the source): {@link UploadGoneException}, and the mover starts
 * a new upload. An earlier run's upload is resumed from the object's length ({@link #resume}).
 */
final class AppendWriter extends TempKeyWriter {
    private static final Logger LOG = LoggerFactory.getLogger(AppendWriter.class);

    private final AppendDialect dialect;

    AppendWriter(S3Requests io) {
        super(io);
        this.dialect = io.config.appendDialect();
    }

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> meta) {
        // Nothing to send: the first append (position 0) creates the object.
        return new Upload(targetKey, io.tempKey(targetKey, attemptToken), null, size, rangeSize, meta);
    }

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        String op = "append " + upload.tempKey() + " @" + offset;
        try {
            return io.withDigestRetry(op, () -> {
                PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(io.bucket).key(upload.tempKey())
                        .contentType(OCTET_STREAM).contentLength(len);
                if (offset == 0) {
                    req.metadata(upload.metadata());
                }
                if (dialect.isS3Express()) {
                    if (offset > 0) {
                        req.writeOffsetBytes(offset);
                    }
                    if (io.config.checksumMode() == ChecksumMode.CRC32C) {
                        req.checksumCRC32C(Checksums.crc32cBase64(crc32c));
                    }
                } else {
                    req.overrideConfiguration(S3Requests.shaped(dialect.shape(), offset, len));
                }
                if (io.config.checksumMode() == ChecksumMode.MD5) {
                    req.contentMD5(Checksums.md5Base64(data, crc32c, op));
                } else if (io.config.checksumMode() == ChecksumMode.SHA256) {
                    Checksums.requireCrc32c(data, crc32c, op);
                }
                PutObjectResponse r = io.s3.putObject(req.build(), ByteBufferContent.body(data));
                return new RangeReceipt(offset, len, crc32c, r.eTag());
            });
        } catch (TransportException e) {
            SdkServiceException se = S3Requests.serviceCause(e);
            // 409 is how RGW (PositionNotEqualToLength) and others answer a wrong position.
            if (se == null || !(S3ErrorClassifier.OFFSET_CODES.contains(S3ErrorClassifier.errorCode(se))
                    || se.statusCode() == 409)) {
                throw e;
            }
            // The store's length is the truth: an earlier attempt of this very range may have
            // landed (ambiguous failure), or the object is not where the mover thinks.
            long current = nextPosition(se).orElseGet(() -> io.head(upload.tempKey())
                    .map(HeadObjectResponse::contentLength).orElse(0L));
            if (current == offset + len) {
                // Ends where this range would: this very range if an earlier attempt of it landed
                // (an ambiguous failure), or the last range an earlier run appended, which the
                // mover sends again because its bytes differ from the source (resume). Only the
                // bytes tell them apart: accepted by length alone, the old bytes would be committed
                // under the source's CRC32C.
                int held = io.readBackCrc(upload.tempKey(), offset, len);
                if (held == crc32c) {
                    LOG.debug("{}: already appended (length {}, same CRC32C), accepting", op, current);
                    return new RangeReceipt(offset, len, crc32c, null);
                }
                throw new UploadGoneException(op + ": the object already holds other bytes at " + offset
                        + " (CRC32C " + Integer.toHexString(held) + ", not " + Integer.toHexString(crc32c)
                        + "); starting a new upload", e);
            }
            throw new UploadGoneException(op + ": the object has " + current + " bytes, not the " + offset
                    + " this append continues; starting a new upload", e);
        }
    }

    /**
     * Appends land in order, whole, each verified by the store when it arrived (the range's
     * checksum), so the object an earlier run appended to holds a prefix of the file: the recorded
     * ranges it covers from offset 0, then possibly ranges appended after the last record (a crash
     * between an append and its record), whose bytes are read back here to give their CRC32C. The
     * mover compares every one with the source before it skips it; a range that differs is written
     * again, which this object cannot take ({@link #write} then ends the upload as gone, and the
     * mover starts a new one).
     *
     * @return the ranges the object holds from offset 0, the recorded ones as recorded; empty if the
     *     object is gone; an empty list if its length is not a whole number of ranges of this upload
     */
    @Override
    public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        Optional<HeadObjectResponse> head = io.head(upload.tempKey());
        if (head.isEmpty()) {
            return Optional.empty();
        }
        long length = head.get().contentLength();
        List<RangeReceipt> held = new ArrayList<>();
        long end = 0;
        for (RangeReceipt r : recorded) {
            if (r.offset() != end || end + r.length() > length) {
                break;
            }
            held.add(r);
            end += r.length();
        }
        while (end < length) {
            long len = Math.min(upload.rangeSize(), upload.size() - end);
            if (len <= 0 || end + len > length) {
                LOG.debug("{}: {} bytes are not whole ranges of {}; not resumed", upload.tempKey(), length,
                        upload.rangeSize());
                return Optional.of(List.of());
            }
            held.add(new RangeReceipt(end, len, io.readBackCrc(upload.tempKey(), end, len), null));
            end += len;
        }
        return Optional.of(held);
    }

    /** The dialect's next-position header of an error answer (e.g. RGW's {@code x-rgw-next-append-position}). */
    private Optional<Long> nextPosition(SdkServiceException se) {
        if (dialect.nextPositionHeader() == null || !(se instanceof AwsServiceException a)
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
}
