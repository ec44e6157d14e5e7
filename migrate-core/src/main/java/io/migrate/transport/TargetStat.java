package io.migrate.transport;

import java.util.Map;

/**
 * What the destination holds at a key.
 *
 * @param size bytes
 * @param metadata the user metadata stored with it (source fingerprint, checksum), immutable
 */
public record TargetStat(long size, Map<String, String> metadata) {
    /** Copies the metadata. */
    public TargetStat {
        metadata = Map.copyOf(metadata);
    }
}
