package io.migrate.transport;

import java.util.Map;

/**
 * An open upload to a temporary location, usable from any session of the same transport (so
 * ranges of one file can go over several connections and survive a failover).
 *
 * @param targetKey the final key it will be committed to
 * @param tempKey the temporary key or path the data goes to (unique per attempt)
 * @param uploadId the destination's upload id (S3 multipart), or null
 * @param size the file's size
 * @param rangeSize the range size the mover uses for this upload
 * @param metadata user metadata to store with the object (fingerprint, checksum)
 */
public record Upload(
        String targetKey, String tempKey, String uploadId, long size, long rangeSize, Map<String, String> metadata) {
    /** Copies the metadata. */
    public Upload {
        metadata = Map.copyOf(metadata);
    }
}
