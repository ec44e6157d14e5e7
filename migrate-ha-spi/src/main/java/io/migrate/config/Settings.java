package io.migrate.config;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated reads of flat {@code key=value} configuration (a properties file, system
 * properties, a host's map). Every failure is a {@link ConfigurationException} that names the
 * full key and what is allowed.
 *
 * <p>Views made with {@link #under(String)} share one record of the keys that were asked for,
 * so a loader can report keys nobody reads (usually typos) with {@link #unreadKeys()}, and tests
 * can check that every key the code reads is documented ({@link #requestedKeys()}).
 *
 * <p>Values: durations as {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 2d} or
 * ISO-8601 ({@code PT5S}); sizes as bytes or with {@code KiB}, {@code MiB}, {@code GiB},
 * {@code TiB} (also {@code k}, {@code m}, {@code g}, {@code t}, binary); lists comma-separated;
 * pairs {@code k1:v1,k2:v2}. Thread-safe; the values are immutable.
 */
public final class Settings {
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    /** Zero with or without a unit (lower case): "off" for {@link #durationOrOff}. */
    private static final Pattern ZERO_DURATION = Pattern.compile("0+\\s*(ms|s|m|h|d)?|pt0+s");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?)?");

    private final Map<String, String> values;
    private final String prefix;
    private final Set<String> requested;

    private Settings(Map<String, String> values, String prefix, Set<String> requested) {
        this.values = values;
        this.prefix = prefix;
        this.requested = requested;
    }

    /**
     * @param values full keys to values; copied
     * @return settings over them, with no prefix
     */
    public static Settings of(Map<String, String> values) {
        Map<String, String> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k.trim(), v));
        return new Settings(Collections.unmodifiableMap(copy), "", ConcurrentHashMap.newKeySet());
    }

    /**
     * @param properties a loaded properties file
     * @return settings over its string entries
     */
    public static Settings of(Properties properties) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            m.put(name, properties.getProperty(name));
        }
        return of(m);
    }

    /**
     * @param childPrefix a prefix such as {@code mover.} (with the dot)
     * @return a view whose keys are relative to this view's prefix plus {@code childPrefix}
     */
    public Settings under(String childPrefix) {
        return new Settings(values, prefix + childPrefix, requested);
    }

    /** @return this view's prefix, e.g. {@code ha.} */
    public String prefix() {
        return prefix;
    }

    /**
     * @param key key relative to this view
     * @return the full key as an operator writes it
     */
    public String fullKey(String key) {
        return prefix + key;
    }

    /**
     * @return the entries under this view's prefix, keys relative to it (immutable)
     */
    public Map<String, String> asMap() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * @param key key relative to this view
     * @return the trimmed value if present and not blank
     */
    public Optional<String> optional(String key) {
        String full = fullKey(key);
        requested.add(full);
        String v = values.get(full);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /**
     * @param key key relative to this view
     * @param allowed what the operator may write, for the message
     * @return the trimmed value
     * @throws ConfigurationException if absent or blank
     */
    public String required(String key, String allowed) {
        return optional(key).orElseThrow(() -> new ConfigurationException(fullKey(key), "is required; " + allowed));
    }

    /**
     * @param key key relative to this view
     * @param defaultValue used when absent
     * @return the value or the default
     */
    public String string(String key, String defaultValue) {
        return optional(key).orElse(defaultValue);
    }

    /**
     * @param key key relative to this view
     * @param defaultValue used when absent
     * @return a positive duration
     * @throws ConfigurationException if unparsable or not positive
     */
    public Duration duration(String key, Duration defaultValue) {
        return optional(key).map(raw -> parseDuration(fullKey(key), raw)).orElse(defaultValue);
    }

    /**
     * A duration where zero means off: an interval of a background job (a sweeper) that {@code 0}
     * (with or without a unit) turns off.
     *
     * @param key key relative to this view
     * @param defaultValue used when absent
     * @return a positive duration, or {@link Duration#ZERO} for off
     * @throws ConfigurationException if unparsable or negative
     */
    public Duration durationOrOff(String key, Duration defaultValue) {
        return optional(key).map(raw -> ZERO_DURATION.matcher(raw.trim().toLowerCase(Locale.ROOT)).matches()
                ? Duration.ZERO : parseDuration(fullKey(key), raw)).orElse(defaultValue);
    }

    /**
     * @param key key relative to this view
     * @param defaultValue used when absent
     * @param min smallest allowed
     * @param max largest allowed
     * @return the value
     * @throws ConfigurationException if not an integer in [min, max]
     */
    public int integer(String key, int defaultValue, int min, int max) {
        return (int) number(key, defaultValue, min, max, false);
    }

    /**
     * @param key key relative to this view
     * @param defaultValue used when absent
     * @param min smallest allowed
     * @param max largest allowed
     * @return bytes
     * @throws ConfigurationException if not a size in [min, max]
     */
    public long bytes(String key, long defaultValue, long min, long max) {
        return number(key, defaultValue, min, max, true);
    }

    private long number(String key, long defaultValue, long min, long max, boolean size) {
        Optional<String> raw = optional(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        long v = size ? parseSize(fullKey(key), raw.get()) : parseLong(fullKey(key), raw.get());
        if (v < min || v > max) {
            throw new ConfigurationException(fullKey(key), "must be in [" + min + ", " + max + "], was " + raw.get());
        }
        return v;
    }

    /**
     * @param key key relative to this view
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

    /**
     * @param key key relative to this view
     * @param type the enum
     * @param defaultValue used when absent
     * @param <E> enum type
     * @return the constant, matched ignoring case
     * @throws ConfigurationException naming the allowed constants
     */
    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
        Optional<String> raw = optional(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        for (E c : type.getEnumConstants()) {
            if (c.name().equalsIgnoreCase(raw.get().replace('-', '_'))) {
                return c;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E c : type.getEnumConstants()) {
            allowed.add(c.name().toLowerCase(Locale.ROOT));
        }
        throw new ConfigurationException(fullKey(key), "must be one of " + allowed + ", was '" + raw.get() + "'");
    }

    /**
     * @param key key relative to this view
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
     * @param key key relative to this view
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
        return Collections.unmodifiableMap(out);
    }

    /** @return every full key some reader asked for, present or not, sorted */
    public Set<String> requestedKeys() {
        return Collections.unmodifiableSet(new TreeSet<>(requested));
    }

    /**
     * @return keys under this view's prefix that are set but nobody asked for (usually typos),
     *     sorted; meaningful after everything was loaded
     */
    public Set<String> unreadKeys() {
        Set<String> out = new TreeSet<>();
        for (String k : values.keySet()) {
            if (k.startsWith(prefix) && !requested.contains(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * @param fullKey the key, for the message
     * @param raw the written value
     * @return a positive duration
     * @throws ConfigurationException if unparsable or not positive
     */
    public static Duration parseDuration(String fullKey, String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(v);
        Duration d;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(raw.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new ConfigurationException(fullKey,
                        "must be a duration like 500ms, 5s, 2m, 1h, 2d or PT5S, was '" + raw + "'");
            }
        }
        if (d.isZero() || d.isNegative()) {
            throw new ConfigurationException(fullKey, "must be a positive duration, was '" + raw + "'");
        }
        return d;
    }

    /**
     * @param fullKey the key, for the message
     * @param raw bytes, or a number with a binary unit ({@code 8MiB}, {@code 256m}, {@code 1g})
     * @return bytes
     * @throws ConfigurationException if unparsable or too large
     */
    public static long parseSize(String fullKey, String raw) {
        Matcher m = SIZE.matcher(raw.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigurationException(fullKey, "must be a size like 8388608, 8MiB, 256m or 1GiB, was '" + raw + "'");
        }
        int shift = m.group(2) == null ? 0 : switch (m.group(2).charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 40;
        };
        long n = parseLong(fullKey, m.group(1));
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new ConfigurationException(fullKey, "is too large: '" + raw + "'");
        }
        return n << shift;
    }

    private static long parseLong(String fullKey, String raw) {
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(fullKey, "must be a whole number, was '" + raw + "'");
        }
    }
}
