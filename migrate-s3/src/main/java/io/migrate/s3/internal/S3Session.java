package io.migrate.s3.internal;

import static io.migrate.s3.internal.S3Requests.OCTET_STREAM;

import io.migrate.error.ErrorCode;
import io.migrate.s3.ConditionalWriteSupport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.MetadataKeys;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * One mover thread's session on one endpoint: the S3 side of every {@link TransportSession}
 * call. What does not depend on the write mode is here (argument checks, whole-file puts, stat,
 * listings, parent markers); {@code open}/{@code write}/{@code complete}/{@code commit}/{@code abort}
 * go to the mode's {@link UploadWriter}. Requests go through {@link S3Requests}, which classifies
 * errors and tracks whether the session is broken.
 *
 * <p>Pooled by {@code S3Transport}; the thread that borrowed it owns it until it is returned (not
 * thread-safe). The pool's evictor reads only {@link #isBroken()} and {@link #lastUsedNanos()}.
 */
final class S3Session implements TransportSession {
    private static final Logger LOG = LoggerFactory.getLogger(S3Session.class);

    private final S3Requests io;
    private final UploadWriter writer;
    private final Set<String> knownMarkers;

    /**
     * @param endpoint the endpoint (shared client)
     * @param config the transport configuration
     * @param classifier the error classifier
     * @param knownMarkers parent markers already created, shared by the transport's sessions
     * @param conditionalWrites which commits the store fences (the start probe)
     */
    S3Session(Endpoint endpoint, S3TransportConfig config, S3ErrorClassifier classifier, Set<String> knownMarkers,
            ConditionalWriteSupport conditionalWrites) {
        this.io = new S3Requests(endpoint, config, classifier, conditionalWrites);
        this.knownMarkers = knownMarkers;
        this.writer = switch (config.writeMode()) {
            case MULTIPART -> new MultipartWriter(io);
            case OFFSET_WRITE -> new OffsetWriter(io);
            case APPEND -> new AppendWriter(io);
        };
    }

    @Override
    public String endpointId() {
        return io.endpoint.id();
    }

    /** @return whether this session reported FAILOVER and must not be reused */
    public boolean isBroken() {
        return io.broken();
    }

    /** @return nanoTime of the last call */
    public long lastUsedNanos() {
        return io.lastUsedNanos();
    }

    /**
     * Runs the health probe on this session's endpoint.
     *
     * @throws TransportException classified, if the endpoint is unwell
     */
    public void probe() {
        io.call("probe " + io.endpoint.id(), () -> {
            io.config.healthProbe().probe(io.s3, io.bucket);
            return null;
        });
    }

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> metadata) {
        validateKey(targetKey);
        if (attemptToken == null || attemptToken.isBlank()) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INTERNAL, "attemptToken is blank", null);
        }
        if (size < 0 || rangeSize <= 0) {
            throw S3Requests.invalid("size " + size + " and rangeSize " + rangeSize + " must be >= 0 and > 0");
        }
        Upload u = writer.open(targetKey, attemptToken, size, rangeSize, S3Requests.lowerKeys(metadata));
        LOG.debug("opened {} -> {} (upload {}, {} bytes, ranges of {})", targetKey, u.tempKey(), u.uploadId(), size,
                rangeSize);
        return u;
    }

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        long len = data.remaining();
        if (offset < 0 || offset + len > upload.size()) {
            throw S3Requests.invalid("range [" + offset + ", " + (offset + len) + ") outside the file of "
                    + upload.size());
        }
        if (len == 0) {
            // Only an empty file has an empty range; complete() stores it.
            return new RangeReceipt(offset, 0, crc32c, null);
        }
        return writer.write(upload, offset, data, crc32c);
    }

    @Override
    public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
        writer.complete(upload, ranges, crc32c);
    }

    @Override
    public void commit(Upload upload, Map<String, String> metadata) {
        commit(upload, metadata, CommitGuard.unconditional());
    }

    /**
     * Fenced by the store's conditional write where the start probe found it enforced (a direct
     * multipart commit's CompleteMultipartUpload, a copy commit made as a multipart copy whose
     * completion carries the precondition, an empty file's PutObject), else checked by a HEAD just
     * before the commit (a window of one request; {@code docs/failure-modes.md}).
     */
    @Override
    public void commit(Upload upload, Map<String, String> metadata, CommitGuard guard) {
        if (io.config.createParentMarkers()) {
            createParentMarkers(upload.targetKey());
        }
        writer.commit(upload, S3Requests.lowerKeys(metadata), guard);
    }

    @Override
    public void abort(Upload upload) {
        writer.abort(upload);
    }

    /**
     * Only an upload this transport could have opened for the key (a multipart upload on the final
     * key, or on a temporary key under the temp prefix): a part ledger is read from a shared
     * directory and must not make the session touch any other key.
     */
    @Override
    public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        validateKey(upload.targetKey());
        validateKey(upload.tempKey());
        if (!upload.tempKey().equals(upload.targetKey()) && !upload.tempKey().startsWith(io.config.tempPrefix())) {
            return Optional.empty();
        }
        return writer.resume(upload, recorded);
    }

    @Override
    public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata) {
        putWhole(targetKey, data, crc32c, metadata, CommitGuard.unconditional());
    }

    /** The PutObject carries the guard as {@code If-None-Match}/{@code If-Match} where the store enforces it. */
    @Override
    public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata,
            CommitGuard guard) {
        validateKey(targetKey);
        Map<String, String> meta = S3Requests.lowerKeys(metadata);
        if (io.config.createParentMarkers()) {
            createParentMarkers(targetKey);
        }
        long len = data.remaining();
        boolean enforced = io.guardPut(targetKey, guard);
        io.guarded(guard, targetKey, () -> io.withDigestRetry("put " + targetKey, () -> {
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(io.bucket).key(targetKey)
                    .metadata(meta).contentType(OCTET_STREAM).contentLength(len);
            if (enforced) {
                io.precondition(req, guard);
            }
            if (len > 0) {
                io.addChecksum(req, data, crc32c);
            }
            PutObjectResponse r = io.s3.putObject(req.build(),
                    len > 0 ? ByteBufferContent.body(data) : RequestBody.empty());
            io.checkEcho(r.checksumCRC32C(), crc32c, targetKey);
            return r;
        }));
        LOG.debug("put {} ({} bytes) on its final key ({})", targetKey, len, guard);
    }

    private void createParentMarkers(String key) {
        int slash = key.indexOf('/');
        while (slash > 0) {
            String marker = key.substring(0, slash + 1);
            if (!knownMarkers.contains(marker)) {
                io.call("create marker " + marker, () -> io.s3.putObject(b -> b.bucket(io.bucket).key(marker)
                        .contentType("application/x-directory"), RequestBody.empty()));
                knownMarkers.add(marker);
            }
            slash = key.indexOf('/', slash + 1);
        }
    }

    @Override
    public Optional<TargetStat> stat(String key) {
        validateKey(key);
        // The ETag is the version a CommitGuard names: If-Match compares it as the store sent it.
        if (!io.endpoint.traits().fullObjectCrc32c()) {
            return io.head(key).map(h -> new TargetStat(h.contentLength(), h.metadata(), h.eTag()));
        }
        // A direct multipart commit's metadata was fixed before the file's CRC32C was known; the
        // store verified the CRC32C given at completion (FULL_OBJECT) and reports it: that is the
        // object's checksum (a composite "<crc>-<n>" is not a file's CRC32C and is not used).
        return io.headWithChecksum(key).map(h -> {
            Map<String, String> meta = h.metadata();
            String full = h.checksumCRC32C();
            if (!meta.containsKey(MetadataKeys.CHECKSUM) && full != null && !full.contains("-")) {
                meta = new java.util.HashMap<>(meta);
                meta.put(MetadataKeys.CHECKSUM, MultipartWriter.CRC_PREFIX
                        + String.format("%08x", Checksums.crc32cOfBase64(full)));
            }
            return new TargetStat(h.contentLength(), meta, h.eTag());
        });
    }

    /**
     * Lists what starts with the keys' longest common prefix, in their directory (delimiter
     * {@code /}); if the whole listing fits a small page budget, every key it does not show is
     * absent. The common prefix keeps the listing to the neighbourhood of the keys (a task's
     * files are usually a run of one directory's names), which matters because the store's cost
     * of a listing grows with the entries it returns. A range with more objects than the budget
     * (1 + n/500 pages of 1,000) proves nothing and costs at most those pages. No
     * {@code start-after}: that would rely on the store listing in UTF-8 order, which S3Proxy's
     * stores, for one, do not; a prefix match does not depend on any order.
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
        String common = commonPrefix(keys.first(), keys.last()); // first and last differ the most
        int budget = 1 + keys.size() / 500;
        Set<String> absent = new HashSet<>(keys);
        String token = null;
        for (int pages = 1; ; pages++) {
            final String t = token;
            ListObjectsV2Response page = io.call("list " + common, () -> io.s3.listObjectsV2(b -> b.bucket(io.bucket)
                    .prefix(common).delimiter("/").continuationToken(t)));
            page.contents().forEach(o -> absent.remove(o.key()));
            token = page.nextContinuationToken();
            if (!Boolean.TRUE.equals(page.isTruncated()) || token == null) {
                LOG.debug("listed {} ({} pages): {} of {} targets absent", common, pages, absent.size(), keys.size());
                return absent;
            }
            if (pages == budget) {
                LOG.debug("{} holds more than {} pages of objects: stat-ing its {} targets", common, budget, keys.size());
                return Set.of();
            }
        }
    }

    /** @return the longest common prefix, not ending inside a surrogate pair */
    static String commonPrefix(String a, String b) {
        int n = 0;
        int max = Math.min(a.length(), b.length());
        while (n < max && a.charAt(n) == b.charAt(n)) {
            n++;
        }
        if (n > 0 && Character.isHighSurrogate(a.charAt(n - 1))) {
            n--;
        }
        return a.substring(0, n);
    }

    private static void validateKey(String key) {
        if (key == null || key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > S3Requests.MAX_KEY_BYTES
                || key.indexOf('\0') >= 0) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_TARGET_KEY,
                    "S3 keys are 1..1024 UTF-8 bytes without NUL: " + (key == null ? null : abbreviate(key)), null);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** Returned to the pool: nothing to release, the client's connection is already back. */
    @Override
    public void close() {
        // Sessions are closed through their pool handle; see S3Transport.
    }

    @Override
    public String toString() {
        return "S3Session[" + io.endpoint.id() + (io.broken() ? ", broken" : "") + "]";
    }
}
