package io.migrate.internal;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import java.util.Objects;

/**
 * Validation helpers for builders: each failure is a {@link ConfigurationException} that names
 * the setting and the allowed range.
 */
public final class Require {
    private Require() {
    }

    /**
     * @param key setting name
     * @param value the value
     * @param <T> type
     * @return the value
     * @throws ConfigurationException if null
     */
    public static <T> T nonNull(String key, T value) {
        if (value == null) {
            throw new ConfigurationException(key, "is required");
        }
        return value;
    }

    /**
     * @param key setting name
     * @param value the value
     * @return the value
     * @throws ConfigurationException if null, zero or negative
     */
    public static Duration positive(String key, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new ConfigurationException(key, "must be a positive duration, was " + value);
        }
        return value;
    }

    /**
     * @param key setting name
     * @param value the value
     * @param min smallest allowed
     * @param max largest allowed
     * @return the value
     * @throws ConfigurationException if outside [min, max]
     */
    public static long inRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigurationException(key, "must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /**
     * @param key setting name
     * @param value the value
     * @param min smallest allowed
     * @param max largest allowed
     * @return the value
     * @throws ConfigurationException if outside [min, max]
     */
    public static int inRange(String key, int value, int min, int max) {
        return (int) inRange(key, (long) value, min, (long) max);
    }

    /**
     * @param key setting name
     * @param value the value
     * @return the value
     * @throws ConfigurationException if null or blank
     */
    public static String nonBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigurationException(key, "must not be blank");
        }
        return Objects.requireNonNull(value);
    }
}
