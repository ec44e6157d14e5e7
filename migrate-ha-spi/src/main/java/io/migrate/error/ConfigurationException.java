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

    /**
     * One exception for several problems, so an operator fixes them all in one go instead of
     * one per restart (as Micrometer's {@code MeterRegistryConfigValidator} collects them).
     *
     * @param problems at least one
     * @return the only problem, or one naming the first key that lists every problem in its
     *     message and carries each as a suppressed exception
     */
    public static ConfigurationException of(java.util.List<ConfigurationException> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        if (problems.size() == 1) {
            return problems.get(0);
        }
        StringBuilder sb = new StringBuilder(problems.size() + " configuration problems:");
        for (ConfigurationException p : problems) {
            String m = p.getMessage();
            String code = ErrorCode.INVALID_CONFIGURATION + ": ";
            sb.append(" [").append(m.startsWith(code) ? m.substring(code.length()) : m).append(']');
        }
        ConfigurationException e = new ConfigurationException(problems.get(0).key(), sb.toString());
        problems.forEach(e::addSuppressed);
        return e;
    }

    /** @return the offending key */
    public String key() {
        return key;
    }
}
