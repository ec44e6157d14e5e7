package io.migrate.ha.internal;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.spi.HaContext;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of the {@code ha.*} properties of an {@link HaContext}. Every failure is a
 * {@link ConfigurationException} naming the full key ({@code ha.<key>}) and what is allowed.
 *
 * <p>Internal: not part of the API. Immutable, thread-safe.
 */
public final class HaProperties {
    /** The prefix hosts use for every key; {@link HaContext} holds the keys without it. */
    public static final String PREFIX = "ha.";

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private final Map<String, String> properties;

    /** @param context the context whose properties are read */
    public HaProperties(HaContext context) {
        this.properties = context.properties();
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
        String v = properties.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /**
     * @param key key without prefix
     * @param allowed what the operator may write, for the message
     * @return the trimmed value
     * @throws ConfigurationException if absent or blank
     */
    public String required(String key, String allowed) {
        return optional(key).orElseThrow(() -> new ConfigurationException(fullKey(key), "is required; " + allowed));
    }

    /**
     * Reads a duration written as {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601
     * ({@code PT5S}).
     *
     * @param key key without prefix
     * @param defaultValue used when absent
     * @return a positive duration
     * @throws ConfigurationException if unparsable or not positive
     */
    public Duration duration(String key, Duration defaultValue) {
        Optional<String> raw = optional(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return parseDuration(fullKey(key), raw.get());
    }

    static Duration parseDuration(String fullKey, String raw) {
        String v = raw.toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(v);
        Duration d;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } else {
            try {
                d = Duration.parse(raw.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new ConfigurationException(fullKey,
                        "must be a duration like 500ms, 5s, 2m, 1h or PT5S, was '" + raw + "'");
            }
        }
        if (d.isZero() || d.isNegative()) {
            throw new ConfigurationException(fullKey, "must be a positive duration, was '" + raw + "'");
        }
        return d;
    }

    /**
     * @param key key without prefix
     * @return the comma-separated values, trimmed, blanks dropped; empty if absent
     */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        optional(key).ifPresent(v -> {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        });
        return List.copyOf(out);
    }

    /**
     * Reads {@code k1:v1,k2:v2}.
     *
     * @param key key without prefix
     * @return the pairs in the written order; empty if absent
     * @throws ConfigurationException if an entry has no {@code :}
     */
    public Map<String, String> pairs(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : list(key)) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new ConfigurationException(fullKey(key),
                        "entries must look like key:value separated by commas, was '" + entry + "'");
            }
            out.put(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim());
        }
        return out;
    }

    /**
     * Builds with a builder whose settings are named without prefix; a rejected setting is
     * reported under the property key an operator writes ({@code nodeLease} becomes
     * {@code ha.heartbeat.nodeLease}).
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
            if (e.key().startsWith(PREFIX)) {
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

    /**
     * @param key key without prefix
     * @param defaultValue used when absent
     * @return true for {@code true}, false for {@code false} (any case)
     * @throws ConfigurationException otherwise
     */
    public boolean bool(String key, boolean defaultValue) {
        Optional<String> raw = optional(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        String v = raw.get().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigurationException(fullKey(key), "must be true or false, was '" + raw.get() + "'");
        }
        return v.equals("true");
    }
}
