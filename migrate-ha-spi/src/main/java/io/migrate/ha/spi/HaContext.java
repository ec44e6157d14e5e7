package io.migrate.ha.spi;

import io.migrate.config.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link HaProvider} gets to build its election and membership.
 *
 * @param nodeId this node's id
 * @param taskRoot the shared task root (heartbeat files live under {@code nodes/<id>/alive})
 * @param settings the {@code ha.*} configuration: a view whose keys are relative to {@code ha.}
 *     (for example {@code zookeeper.connect}) and whose errors name the full key
 * @param clock wall clock for logging and timestamps; liveness uses {@link System#nanoTime()}
 */
public record HaContext(String nodeId, Path taskRoot, Settings settings, Clock clock) {
    /** The prefix of every HA key as an operator writes it. */
    public static final String PREFIX = "ha.";

    /** Validates. */
    public HaContext {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(taskRoot, "taskRoot");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param nodeId this node's id
     * @param taskRoot the shared task root
     * @param properties the {@code ha.*} configuration with keys WITHOUT the {@code ha.} prefix
     * @param clock wall clock
     */
    public HaContext(String nodeId, Path taskRoot, Map<String, String> properties, Clock clock) {
        this(nodeId, taskRoot, prefixed(properties), clock);
    }

    private static Settings prefixed(Map<String, String> properties) {
        Map<String, String> full = new LinkedHashMap<>();
        properties.forEach((k, v) -> full.put(PREFIX + k, v));
        return Settings.of(full).under(PREFIX);
    }

    /** @return the {@code ha.*} properties, keys without the prefix (immutable) */
    public Map<String, String> properties() {
        return settings.asMap();
    }

    /**
     * @param key property key without {@code ha.}
     * @param defaultValue used when absent
     * @return the value or the default
     */
    public String property(String key, String defaultValue) {
        return settings.string(key, defaultValue);
    }
}
