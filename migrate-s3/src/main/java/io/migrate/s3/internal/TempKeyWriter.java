package io.migrate.s3.internal;

import static io.migrate.s3.internal.S3Requests.OCTET_STREAM;

import io.migrate.error.ErrorCode;
import io.migrate.s3.S3TransportConfig;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportException;
import io.migrate.transport.Upload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;

/**
 * What every mode that writes to a temporary key shares: the upload is a temporary object under
 * the temp prefix, unique per attempt; {@code complete} checks its size (and reads it back with
 * {@code readBackVerification}); {@code commit} copies it to the final key with the final metadata
 * (CopyObject, or UploadPartCopy above {@code multipartCopyThreshold}) and deletes it. The copy is
 * what makes the commit atomic for modes whose object is visible while it is written.
 */
abstract class TempKeyWriter implements UploadWriter {
    private static final Logger LOG = LoggerFactory.getLogger(TempKeyWriter.class);

    final S3Requests io;

    TempKeyWriter(S3Requests io) {
        this.io = io;
    }

    @Override
    public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
        if (upload.size() == 0) {
            io.call("put empty " + upload.tempKey(), () -> io.s3.putObject(b -> b.bucket(io.bucket)
                    .key(upload.tempKey()).metadata(upload.metadata()).contentType(OCTET_STREAM), RequestBody.empty()));
        }
        verifyTemp(upload, crc32c);
    }

    /** The completed temporary object has the file's size, and, if configured, reads back with its CRC32C. */
    void verifyTemp(Upload upload, int crc32c) {
        HeadObjectResponse head = io.head(upload.tempKey()).orElseThrow(() -> new TransportException(
                Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED, upload.tempKey() + " missing after complete", null));
        if (head.contentLength() != upload.size()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH,
                    upload.tempKey() + " has " + head.contentLength() + " bytes, expected " + upload.size(), null);
        }
        if (io.config.readBackVerification()) {
            int stored = io.readBackCrc(upload.tempKey());
            if (stored != crc32c) {
                throw new TransportException(Disposition.PERMANENT, ErrorCode.CHECKSUM_MISMATCH,
                        upload.tempKey() + " reads back with CRC32C " + Integer.toHexString(stored) + ", expected "
                                + Integer.toHexString(crc32c), null);
            }
        }
    }

    /**
     * Copies the temporary object to the final key. A guarded commit cannot be a CopyObject where it
     * matters: CopyObject's {@code x-amz-copy-source-if-*} headers test the source, and AWS has no
     * destination precondition for it. So where the store enforces conditional completions, a
     * guarded copy is a multipart copy (UploadPartCopy into an upload on the final key) whose
     * CompleteMultipartUpload carries the guard; an empty file is an empty PutObject carrying it.
     * Elsewhere the guard is checked by a HEAD just before the CopyObject.
     */
    @Override
    public void commit(Upload upload, Map<String, String> meta, CommitGuard guard) {
        String op = "commit " + upload.tempKey() + " -> " + upload.targetKey();
        String key = upload.targetKey();
        try {
            if (guard.kind() != CommitGuard.Kind.UNCONDITIONAL && upload.size() == 0) {
                boolean enforced = io.guardPut(key, guard);
                io.guarded(guard, key, () -> io.call(op, () -> io.s3.putObject(b -> {
                    b.bucket(io.bucket).key(key).metadata(meta).contentType(OCTET_STREAM);
                    if (enforced) {
                        io.precondition(b, guard);
                    }
                }, RequestBody.empty())));
            } else if (io.guardComplete(key, guard) || upload.size() > io.config.multipartCopyThreshold()) {
                multipartCopy(upload, meta, guard);
            } else {
                io.call(op, () -> io.s3.copyObject(b -> b.sourceBucket(io.bucket).sourceKey(upload.tempKey())
                        .destinationBucket(io.bucket).destinationKey(key)
                        .metadataDirective(MetadataDirective.REPLACE).metadata(meta).contentType(OCTET_STREAM)));
            }
        } catch (TransportException e) {
            if (!S3Requests.isNotFound(S3Requests.serviceCause(e))) {
                throw e;
            }
            // The temporary object is gone: if the final object carries this upload's size and
            // metadata, an earlier commit got through (then deleted the temp); else it is lost.
            Optional<HeadObjectResponse> done = io.head(key);
            if (done.isEmpty() || done.get().contentLength() != upload.size()
                    || !S3Requests.sameMetadata(meta, done.get().metadata())) {
                throw e;
            }
            LOG.debug("{}: already committed", op);
            return;
        }
        io.deleteQuietly(upload.tempKey());
        LOG.debug("committed {} ({})", op, guard);
    }

    /**
     * UploadPartCopy of the temporary object into an upload on the final key; the completion
     * carries the guard when the store enforces it (a guard that {@link S3Requests#guardComplete}
     * did not turn into a precondition was already checked by HEAD).
     */
    private void multipartCopy(Upload upload, Map<String, String> meta, CommitGuard guard) {
        String key = upload.targetKey();
        boolean enforced = guard.kind() != CommitGuard.Kind.UNCONDITIONAL && io.enforcesComplete();
        String id = io.call("create copy upload " + key, () -> io.s3.createMultipartUpload(b -> b.bucket(io.bucket)
                .key(key).metadata(meta).contentType(OCTET_STREAM)).uploadId());
        try {
            long partSize = Math.max(io.config.copyPartSize(),
                    (upload.size() + S3TransportConfig.MAX_PARTS - 1) / S3TransportConfig.MAX_PARTS);
            List<CompletedPart> parts = new ArrayList<>();
            for (long off = 0; off < upload.size(); off += partSize) {
                long end = Math.min(upload.size(), off + partSize) - 1;
                int n = Math.toIntExact(off / partSize + 1);
                String range = "bytes=" + off + "-" + end;
                String etag = io.call("copy part " + n + " of " + key, () -> io.s3.uploadPartCopy(b -> b
                        .sourceBucket(io.bucket).sourceKey(upload.tempKey()).destinationBucket(io.bucket)
                        .destinationKey(key).uploadId(id).partNumber(n).copySourceRange(range))
                        .copyPartResult().eTag());
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
            }
            io.guarded(guard, key, () -> io.call("complete copy " + key, () -> io.s3.completeMultipartUpload(b -> {
                b.bucket(io.bucket).key(key).uploadId(id).multipartUpload(m -> m.parts(parts));
                if (enforced) {
                    io.precondition(b, guard);
                }
            })));
        } catch (RuntimeException e) {
            io.abortQuietly(key, id);
            throw e;
        }
    }
    @Override
    public void abort(Upload upload) {
        if (upload.uploadId() != null) {
            io.abortQuietly(upload.tempKey(), upload.uploadId());
        }
        if (!upload.tempKey().equals(upload.targetKey())) {
            // Never delete a final key: in direct mode it may hold an earlier committed version.
            io.deleteQuietly(upload.tempKey());
        }
    }
}
