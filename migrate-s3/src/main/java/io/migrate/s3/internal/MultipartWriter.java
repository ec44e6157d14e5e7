package io.migrate.s3.internal;

import static io.migrate.s3.internal.S3Requests.OCTET_STREAM;

import io.migrate.error.ErrorCode;
import io.migrate.s3.ChecksumMode;
import io.migrate.s3.S3TransportConfig;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.MetadataKeys;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportException;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * {@link io.migrate.s3.S3WriteMode#MULTIPART}: a file of more than one range is a multipart
 * upload (part number = offset / range size + 1, every part but the last exactly one range, a
 * re-sent part replaces the earlier one); a file of one range is one PutObject.
 *
 * <p>Two commits. <b>Direct</b> ({@link DerivedSettings#completesOnFinalKey}, the default): the multipart upload is
 * created on the final key; {@code complete} only checks the parts (ListParts) and {@code commit} is the
 * CompleteMultipartUpload, atomic because an upload is invisible until completed. <b>Copy</b>: the
 * upload is completed on a temporary key and the commit copies it ({@link TempKeyWriter}).
 */
final class MultipartWriter extends TempKeyWriter {
    private static final Logger LOG = LoggerFactory.getLogger(MultipartWriter.class);

    MultipartWriter(S3Requests io) {
        super(io);
    }

    /** Whether the upload is a multipart upload on its final key, completed by commit. */
    private static boolean isDirect(Upload upload) {
        return upload.uploadId() != null && upload.tempKey().equals(upload.targetKey());
    }

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> meta) {
        if (size <= rangeSize) {
            // One PutObject in write() (or complete() for an empty file), on a temporary key.
            return new Upload(targetKey, io.tempKey(targetKey, attemptToken), null, size, rangeSize, meta);
        }
        checkPartSizing(size, rangeSize);
        // Direct: the pending multipart upload is the temporary location, invisible until complete.
        String key = DerivedSettings.completesOnFinalKey(io.config) ? targetKey : io.tempKey(targetKey, attemptToken);
        CreateMultipartUploadRequest.Builder req = CreateMultipartUploadRequest.builder()
                .bucket(io.bucket).key(key).metadata(meta).contentType(OCTET_STREAM);
        if (io.config.checksumMode() == ChecksumMode.CRC32C) {
            req.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
            if (key.equals(targetKey) && io.endpoint.traits().fullObjectCrc32c()) {
                // The metadata is fixed now, before the file's CRC32C is known: the completion
                // gives it instead, the store checks it against the parts and reports it on HEAD.
                req.checksumType(ChecksumType.FULL_OBJECT);
            }
        }
        String uploadId = io.call("create multipart upload " + key,
                () -> io.s3.createMultipartUpload(req.build()).uploadId());
        return new Upload(targetKey, key, uploadId, size, rangeSize, meta);
    }

    private static void checkPartSizing(long size, long rangeSize) {
        if (rangeSize < S3TransportConfig.MIN_PART_SIZE || rangeSize > S3TransportConfig.MAX_PART_SIZE) {
            throw S3Requests.invalid("multipart range size " + rangeSize + " outside [5 MiB, 5 GiB]");
        }
        if ((size + rangeSize - 1) / rangeSize > S3TransportConfig.MAX_PARTS) {
            throw S3Requests.invalid("size " + size + " in ranges of " + rangeSize + " needs more than 10,000 parts");
        }
    }

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        if (upload.uploadId() == null) {
            if (offset != 0 || len != upload.size()) {
                throw S3Requests.invalid("single-part upload takes one range [0, " + upload.size() + "), got offset "
                        + offset + " length " + len);
            }
            return io.withDigestRetry("put " + upload.tempKey(), () -> {
                PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(io.bucket).key(upload.tempKey())
                        .metadata(upload.metadata()).contentType(OCTET_STREAM).contentLength(len);
                io.addChecksum(req, data, crc32c);
                PutObjectResponse r = io.s3.putObject(req.build(), ByteBufferContent.body(data));
                io.checkEcho(r.checksumCRC32C(), crc32c, upload.tempKey());
                return new RangeReceipt(offset, len, crc32c, r.eTag());
            });
        }
        long rangeSize = upload.rangeSize();
        if (offset % rangeSize != 0) {
            throw S3Requests.invalid("part offset " + offset + " is not a multiple of the range size " + rangeSize);
        }
        boolean last = offset + len == upload.size();
        if (len != rangeSize && !last) {
            throw S3Requests.invalid("part at " + offset + " has " + len + " bytes; every part but the last must have "
                    + rangeSize);
        }
        int partNumber = Math.toIntExact(offset / rangeSize + 1);
        return io.withDigestRetry("upload part " + partNumber + " of " + upload.tempKey(), () -> {
            UploadPartRequest.Builder req = UploadPartRequest.builder().bucket(io.bucket).key(upload.tempKey())
                    .uploadId(upload.uploadId()).partNumber(partNumber).contentLength(len);
            switch (io.config.checksumMode()) {
                case CRC32C -> req.checksumCRC32C(Checksums.crc32cBase64(crc32c));
                case MD5 -> req.contentMD5(Checksums.md5Base64(data, crc32c, upload.tempKey() + " part " + partNumber));
                case SHA256 -> Checksums.requireCrc32c(data, crc32c, upload.tempKey() + " part " + partNumber);
                case NONE -> { }
                default -> throw new IllegalStateException();
            }
            UploadPartResponse r = io.s3.uploadPart(req.build(), ByteBufferContent.body(data));
            io.checkEcho(r.checksumCRC32C(), crc32c, upload.tempKey() + " part " + partNumber);
            return new RangeReceipt(offset, len, crc32c, r.eTag());
        });
    }

    @Override
    public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
        if (isDirect(upload)) {
            verifyParts(upload, ranges);
            if (fullObject()) {
                io.endpoint.traits().checkedParts.put(upload.uploadId(), partList(upload, ranges));
            }
            return;
        }
        if (upload.uploadId() == null) {
            super.complete(upload, ranges, crc32c); // one PutObject (or an empty file): verify the temp object
            return;
        }
        checkPartCount(upload, ranges);
        completeMultipartWith(upload, partList(upload, ranges), CommitGuard.unconditional(), false, null);
        verifyTemp(upload, crc32c);
    }

    /**
     * Direct mode's complete: the parts the store holds (ListParts) must be exactly the
     * receipts, with their sizes and ETags; the upload itself is completed by commit.
     */
    private void verifyParts(Upload upload, List<RangeReceipt> ranges) {
        checkPartCount(upload, ranges);
        Map<Integer, Part> stored = io.listParts(upload);
        if (stored.size() < ranges.size()) {
            // Parts the store acknowledged are gone: the upload was aborted by someone else (S3Proxy
            // then takes later parts into an empty upload instead of answering NoSuchUpload).
            throw new io.migrate.transport.UploadGoneException(upload.tempKey() + " holds " + stored.size()
                    + " of its " + ranges.size() + " acknowledged parts: removed by someone else", null);
        }
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

    private static void checkPartCount(Upload upload, List<RangeReceipt> ranges) {
        long expected = (upload.size() + upload.rangeSize() - 1) / upload.rangeSize();
        if (ranges.size() != expected) {
            throw S3Requests.invalid("complete of " + upload.tempKey() + " with " + ranges.size() + " parts, expected "
                    + expected);
        }
    }

    private List<CompletedPart> partList(Upload upload, List<RangeReceipt> ranges) {
        List<CompletedPart> parts = new ArrayList<>(ranges.size());
        for (RangeReceipt r : ranges) {
            CompletedPart.Builder p = CompletedPart.builder()
                    .partNumber(Math.toIntExact(r.offset() / upload.rangeSize() + 1)).eTag(r.tag());
            if (io.config.checksumMode() == ChecksumMode.CRC32C) {
                p.checksumCRC32C(Checksums.crc32cBase64(r.crc32c()));
            }
            parts.add(p.build());
        }
        return parts;
    }

    /** @param wholeCrc32c the file's CRC32C for a FULL_OBJECT upload (the store verifies it), else null */
    private void completeMultipartWith(Upload upload, List<CompletedPart> parts, CommitGuard guard,
            boolean enforced, Integer wholeCrc32c) {
        String op = "complete " + upload.tempKey();
        try {
            io.guarded(guard, upload.tempKey(), () -> io.call(op, () -> io.s3.completeMultipartUpload(b -> {
                b.bucket(io.bucket).key(upload.tempKey()).uploadId(upload.uploadId())
                        .multipartUpload(m -> m.parts(parts));
                if (wholeCrc32c != null) {
                    b.checksumCRC32C(Checksums.crc32cBase64(wholeCrc32c)).checksumType(ChecksumType.FULL_OBJECT);
                }
                if (enforced) {
                    io.precondition(b, guard);
                }
            })));
        } catch (TransportException e) {
            // A retried Complete whose first try succeeded: the object is there if it happened.
            requireAlreadyCompleted(upload, e);
            LOG.debug("{}: upload already completed, object verified by HEAD", op);
        }
    }

    /**
     * After {@code e}: returns if the upload is gone ({@link S3ErrorClassifier#isUploadGone}, or
     * RGW's {@code NoSuchKey} to ListParts of a finished upload) and the completed object (HEAD)
     * has the upload's size and metadata, i.e. an earlier try completed it; else rethrows {@code e}.
     */
    private void requireAlreadyCompleted(Upload upload, TransportException e) {
        if (!S3ErrorClassifier.isUploadGone(e)
                && !"NoSuchKey".equals(S3ErrorClassifier.errorCode(S3Requests.serviceCause(e)))) {
            throw e;
        }
        Optional<HeadObjectResponse> head = io.head(upload.tempKey());
        if (head.isEmpty() || head.get().contentLength() != upload.size()
                || !S3Requests.sameMetadata(upload.metadata(), head.get().metadata())) {
            throw e;
        }
    }

    /**
     * The recorded parts the multipart upload still holds: same part number, size and ETag, and the
     * same CRC32C where the store lists one (CRC32C mode). ListParts answering that the upload is
     * gone (aborted by the sweeper or another run, or completed) resumes nothing.
     */
    @Override
    public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        if (upload.uploadId() == null || upload.size() <= upload.rangeSize()) {
            return Optional.empty();
        }
        Map<Integer, Part> stored;
        try {
            stored = io.listParts(upload);
        } catch (io.migrate.transport.UploadGoneException e) {
            return Optional.empty();
        }
        List<RangeReceipt> held = new ArrayList<>();
        for (RangeReceipt r : recorded) {
            Part p = stored.get(Math.toIntExact(r.offset() / upload.rangeSize() + 1));
            if (p != null && r.tag() != null && r.tag().equals(p.eTag()) && p.size() != null && p.size() == r.length()
                    && (p.checksumCRC32C() == null || p.checksumCRC32C().equals(Checksums.crc32cBase64(r.crc32c())))) {
                held.add(r);
            }
        }
        LOG.debug("{}: {} of {} recorded parts held by upload {}", upload.tempKey(), held.size(), recorded.size(),
                upload.uploadId());
        return Optional.of(held);
    }

    @Override
    public void commit(Upload upload, Map<String, String> meta, CommitGuard guard) {
        if (!isDirect(upload)) {
            super.commit(upload, meta, guard);
            return;
        }
        // The multipart upload is on the final key: completing it is the atomic commit, and it
        // carries the guard where the store enforces it (else the guard is checked by HEAD now).
        // Its metadata is the one given at open (see directMultipartCommit).
        boolean enforced = io.guardComplete(upload.targetKey(), guard);
        // FULL_OBJECT: the parts as complete() checked them, with their CRC32Cs, and the file's CRC32C.
        List<CompletedPart> checked = io.endpoint.traits().checkedParts.remove(upload.uploadId());
        try {
            if (checked != null && wholeCrc32c(meta) != null) {
                completeMultipartWith(upload, checked, guard, enforced, wholeCrc32c(meta));
                LOG.debug("committed {} by completing its multipart upload with the file's CRC32C ({})",
                        upload.targetKey(), guard);
                return;
            }
            List<CompletedPart> parts = new ArrayList<>();
            for (Part p : io.listParts(upload).values()) {
                CompletedPart.Builder c = CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag());
                if (io.config.checksumMode() == ChecksumMode.CRC32C && p.checksumCRC32C() != null) {
                    c.checksumCRC32C(p.checksumCRC32C());
                }
                parts.add(c.build());
            }
            completeMultipartWith(upload, parts, guard, enforced, null);
        } catch (TransportException e) {
            // Listing found no upload: completed by an earlier commit if the object matches.
            requireAlreadyCompleted(upload, e);
        }
        LOG.debug("committed {} by completing its multipart upload ({})", upload.targetKey(), guard);
    }

    /**
     * The whole file's CRC32C for the completion of a FULL_OBJECT upload (created so by {@link #open}
     * under the same conditions): from the final metadata's {@code migrate-crc32c}
     * ({@code crc32c:xxxxxxxx}); null where the store does not verify one.
     */
    private Integer wholeCrc32c(Map<String, String> meta) {
        if (!fullObject()) {
            return null;
        }
        String v = meta.get(MetadataKeys.CHECKSUM);
        // A caller that gives no file CRC32C (not the mover) completes without one: the store
        // then checks nothing beyond the parts and reports none.
        return v == null || !v.startsWith(CRC_PREFIX) ? null : Integer.parseUnsignedInt(v.substring(CRC_PREFIX.length()), 16);
    }

    /** Whether direct uploads are FULL_OBJECT uploads completed with the file's CRC32C (see {@link #open}). */
    private boolean fullObject() {
        return io.config.checksumMode() == ChecksumMode.CRC32C && io.endpoint.traits().fullObjectCrc32c();
    }

    @Override
    public void abort(Upload upload) {
        if (upload.uploadId() != null) {
            io.endpoint.traits().checkedParts.remove(upload.uploadId());
        }
        super.abort(upload);
    }

    /** How the mover writes a CRC32C in {@link MetadataKeys#CHECKSUM}. */
    static final String CRC_PREFIX = "crc32c:";
}
