package io.migrate.s3.internal;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Removes what crashed or abandoned attempts left: multipart uploads started before a cut-off
 * (ListMultipartUploads + AbortMultipartUpload) under the temp prefix, or anywhere in the bucket
 * when uploads are completed on their final keys (the default direct multipart commit: an attempt
 * that dies leaves its upload under the file's final key, invisible to readers but stored), and
 * temporary objects last modified before it (ListObjectsV2 + DeleteObject, temp prefix only).
 * Every attempt's upload is its own, so anything older than the longest possible attempt is
 * garbage; a sweep racing a commit of an old attempt costs that attempt (it fails and is retried),
 * never data. An upload that is not the mover's (a bucket shared with another writer) is aborted
 * too once older than the cut-off, as a bucket lifecycle rule {@code AbortIncompleteMultipartUpload}
 * would.
 *
 * <p>Stateless and thread-safe; runs on whichever thread calls it.
 */
public final class StaleUploadSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(StaleUploadSweeper.class);

    private StaleUploadSweeper() {
    }

    /**
     * @param s3 a client
     * @param bucket the bucket
     * @param tempPrefix the temp prefix (never empty: the sweeper must not touch real data)
     * @param cutoff uploads and objects older than this are removed
     * @param uploadsOnFinalKeys whether multipart uploads are looked for in the whole bucket, not
     *     only under the temp prefix
     * @return uploads aborted plus objects deleted
     */
    public static int sweep(S3Client s3, String bucket, String tempPrefix, Instant cutoff,
            boolean uploadsOnFinalKeys) {
        if (tempPrefix.isEmpty()) {
            throw new IllegalArgumentException("refusing to sweep without a temp prefix");
        }
        int removed = 0;
        String uploadPrefix = uploadsOnFinalKeys ? null : tempPrefix;
        String keyMarker = null;
        String idMarker = null;
        do {
            final String km = keyMarker;
            final String im = idMarker;
            ListMultipartUploadsResponse page = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(uploadPrefix)
                    .keyMarker(km).uploadIdMarker(im));
            for (MultipartUpload u : page.uploads()) {
                if (u.initiated() != null && u.initiated().isBefore(cutoff)) {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                    LOG.debug("aborted stale upload {} of {}", u.uploadId(), u.key());
                    removed++;
                }
            }
            boolean more = Boolean.TRUE.equals(page.isTruncated());
            keyMarker = more ? page.nextKeyMarker() : null;
            idMarker = more ? page.nextUploadIdMarker() : null;
        } while (keyMarker != null);

        String token = null;
        do {
            final String t = token;
            ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(tempPrefix).continuationToken(t));
            for (S3Object o : page.contents()) {
                if (o.lastModified() != null && o.lastModified().isBefore(cutoff)) {
                    s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
                    LOG.debug("deleted stale temporary object {}", o.key());
                    removed++;
                }
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return removed;
    }
}
