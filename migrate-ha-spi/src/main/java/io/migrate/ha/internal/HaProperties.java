package io.migrate.ha.internal;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.ha.spi.HaContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads of the {@code ha.*} properties of an {@link HaContext}. Every failure is a
 * {@link ConfigurationException} naming the full key ({@code ha.<key>}) and what is allowed.
 *
 * <p>Internal: not part of the API. Immutable, thread-safe.
 */
public final class HaProperties {
    /** The prefix hosts use for every key; {@link HaContext} holds the keys without it. */
    public static final String PREFIX = HaContext.PREFIX;

    private final Settings settings;

    /** @param context the context whose properties are read */
    public HaProperties(HaContext context) {
        this.settings = context.settings();
    }

    /**
     * @param key key without prefix
     * @return the full key as an operator writes it
     */
    public static String fullKey(String key) {
        return PREFIX + key;
    }

    /**
     * @param key key without prefix
     * @return the trimmed value if present and not blank
     */
    public Optional<String> optional(String key) {
        return settings.optional(key);
    }

    /**
     * @param key key without prefix
     * @param allowed what the operator may write, for the message
     * @return the trimmed value
     * @throws ConfigurationException if absent or blank
     */
    public String required(String key, String allowed) {
        return settings.required(key, allowed);
    }

    /**
     * @param key key without prefix
     * @param defaultValue used when absent
     * @return a positive duration
     * @throws ConfigurationException if unparsable or not positive
     */
    public Duration duration(String key, Duration defaultValue) {
        return settings.duration(key, defaultValue);
    }

    /**
     * @param key key without prefix
     * @return the comma-separated values, trimmed, blanks dropped; empty if absent
     */
    public List<String> list(String key) {
        return settings.list(key);
    }

    /**
     * @param key key without prefix
     * @return the pairs in the written order; empty if absent
     * @throws ConfigurationException if an entry has no {@code :}
     */
    public Map<String, String> pairs(String key) {
        return settings.pairs(key);
    }

    /**
     * @param key key without prefix
     * @param defaultValue used when absent
     * @return the value
     * @throws ConfigurationException if not true or false
     */
    public boolean bool(String key, boolean defaultValue) {
        return settings.bool(key, defaultValue);
    }

    /**
     * Builds with a builder whose settings are named without prefix; a rejected setting is
     * reported under the property key an operator writes ({@code nodeLease} becomes
     * {@code ha.heartbeat.nodeLease}); a key with a dot ({@code ha.ctdb.timeout}, {@code node.id})
     * is reported as it is.
     *
     * @param keys builder setting to property key without prefix, e.g. {@code nodeLease ->
     *     heartbeat.nodeLease}; settings not listed are prefixed with {@code section.}
     * @param section prefix for settings not in {@code keys}, e.g. {@code ctdb}
     * @param build the build call
     * @param <T> what is built
     * @return what was built
     * @throws ConfigurationException naming the property key
     */
    public static <T> T build(Map<String, String> keys, String section, java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigurationException e) {
            // A dotted key is already the one an operator writes (ha.ctdb.timeout, node.id).
            if (e.key().startsWith(PREFIX) || e.key().contains(".")) {
                throw e;
            }
            String key = fullKey(keys.getOrDefault(e.key(), section + "." + e.key()));
            String message = e.getMessage();
            String marker = e.key() + ": ";
            int at = message.indexOf(marker);
            ConfigurationException renamed = new ConfigurationException(key,
                    at < 0 ? message : message.substring(at + marker.length()));
            renamed.initCause(e);
            throw renamed;
        }
    }
}
