package io.migrate.ha.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link HaProvider} gets to build its election and membership.
 *
 * @param nodeId this node's id
 * @param taskRoot the shared task root (heartbeat files live under {@code nodes/<id>/alive})
 * @param properties the {@code ha.*} configuration, keys without the {@code ha.} prefix
 *     (for example {@code zookeeper.connect}); immutable
 * @param clock wall clock for logging and timestamps; liveness uses {@link System#nanoTime()}
 */
public record HaContext(String nodeId, Path taskRoot, Map<String, String> properties, Clock clock) {
    /** Validates and copies. */
    public HaContext {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(taskRoot, "taskRoot");
        properties = Map.copyOf(properties);
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param key property key without {@code ha.}
     * @param defaultValue used when absent
     * @return the value or the default
     */
    public String property(String key, String defaultValue) {
        return properties.getOrDefault(key, defaultValue);
    }
}
