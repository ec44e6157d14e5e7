package io.migrate.error;

/**
 * A configuration value is missing or out of range; the message names the setting and the
 * allowed range. Thrown by every {@code build()} and by configuration loaders.
 */
public class ConfigurationException extends MigrateException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the configuration key or builder setting, e.g. {@code dispatch.tick}
     * @param message what is wrong and what is allowed
     */
    public ConfigurationException(String key, String message) {
        super(ErrorCode.INVALID_CONFIGURATION, key + ": " + message);
        this.key = key;
    }

    /** @return the offending key */
    public String key() {
        return key;
    }
}
