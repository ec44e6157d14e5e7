package io.migrate.s3.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * What the transport's start probes found out about the store behind an endpoint, read by every
 * request of every session. Written once, by the transport's constructor after its probes and
 * before the first session exists; volatile, so sessions on any thread see the result.
 */
public final class StoreTraits {
    /**
     * The parts, with their CRC32Cs, of direct FULL_OBJECT uploads checked by {@code complete} and
     * not yet committed or aborted, by upload id: the completion must name each part's CRC32C for
     * the store to combine them and check the whole file's (S3Proxy 4.1.0 verifies nothing without
     * them, and ListParts does not return them). Written and removed by the thread finishing the
     * file; a commit through another endpoint (after a failover) finds none and completes without
     * a whole-file CRC32C.
     */
    final Map<String, List<CompletedPart>> checkedParts = new ConcurrentHashMap<>();
    private volatile boolean unsignedPayload;
    private volatile boolean fullObjectCrc32c;
    private volatile boolean signedWholeBody;

    /** @param unsignedPayload the payload signing to start with (what the probes themselves use) */
    StoreTraits(boolean unsignedPayload) {
        this.unsignedPayload = unsignedPayload;
    }

    /** @return whether requests over http carry {@code UNSIGNED-PAYLOAD} instead of a SHA-256 of the body */
    public boolean unsignedPayload() {
        return unsignedPayload;
    }

    /** @param unsigned whether requests over http carry {@code UNSIGNED-PAYLOAD} from now on */
    public void unsignedPayload(boolean unsigned) {
        this.unsignedPayload = unsigned;
    }

    /**
     * @return whether request bodies are signed whole ({@code x-amz-content-sha256} = the SHA-256 of
     *     the body, not {@code aws-chunked}), over http and https: the range's checksum in
     *     {@link io.migrate.s3.ChecksumMode#SHA256}
     */
    public boolean signedWholeBody() {
        return signedWholeBody;
    }

    /** @param signed whether request bodies are signed whole from now on */
    public void signedWholeBody(boolean signed) {
        this.signedWholeBody = signed;
    }

    /**
     * @return whether the store verifies an AWS full-object CRC32C at CompleteMultipartUpload
     *     ({@code x-amz-checksum-type: FULL_OBJECT}) and reports it on HEAD
     *     ({@link ChecksumProbe#verifiesFullObjectCrc32c})
     */
    public boolean fullObjectCrc32c() {
        return fullObjectCrc32c;
    }

    /** @param verified what the probe found */
    public void fullObjectCrc32c(boolean verified) {
        this.fullObjectCrc32c = verified;
    }
}
