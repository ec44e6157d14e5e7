package io.migrate.ha;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.ha.internal.HaProperties;
import io.migrate.ha.spi.HaContext;
import io.migrate.ha.spi.HaProvider;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.Membership;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Entry point: builds the {@link LeaderElection} and {@link Membership} chosen by the
 * {@code ha.type} property ({@code static}, {@code zookeeper}, {@code ctdb}), found through
 * {@link ServiceLoader} ({@code META-INF/services/io.migrate.ha.spi.HaProvider}). A host adds a
 * dependency and sets properties, nothing more.
 *
 * <pre>{@code
 * try (HighAvailability ha = HighAvailability.fromProperties("node-a", taskRoot, props)) {
 *     ha.start();
 *     if (ha.election().revalidate() == LeadershipState.LEADER) { ... }
 * }
 * }</pre>
 *
 * <p>Thread-safety: the election and membership are thread-safe; {@link #start()} and
 * {@link #close()} are idempotent. {@link #close()} closes the election first (leadership is
 * given up before anything else stops), then the membership.
 */
public final class HighAvailability implements AutoCloseable {
    /** The key that selects the provider, without prefix. */
    public static final String TYPE = "type";

    private final LeaderElection election;
    private final Membership membership;

    private HighAvailability(LeaderElection election, Membership membership) {
        this.election = election;
        this.membership = membership;
    }

    /**
     * Builds from HA properties, each with the {@code ha.} prefix. Every key given must be one
     * the chosen provider reads: a key outside {@code ha.} ({@code taskroot}, {@code nodes.id}),
     * a typo ({@code ha.static.bogus}) or another provider's key ({@code ha.zookeeper.connect}
     * with {@code ha.type=static}) is rejected, all of them in one exception, rather than ignored
     * (a setting that silently does nothing is found in production).
     *
     * @param nodeId this node's id
     * @param taskRoot the shared task root
     * @param properties HA properties, e.g. {@code ha.type=static}, {@code ha.static.leader=node-a}
     * @return the election and membership, not started
     * @throws ConfigurationException if {@code ha.type} is missing or unknown, a provider rejects
     *     a key, or keys are not read; the message names every such key (the first as
     *     {@link ConfigurationException#key()}, each problem also as a suppressed exception)
     */
    public static HighAvailability fromProperties(String nodeId, Path taskRoot, Map<String, String> properties) {
        Settings all = Settings.of(properties);
        List<ConfigurationException> problems = new ArrayList<>();
        HighAvailability ha = null;
        try {
            ha = fromSettings(nodeId, taskRoot, all.under(HaContext.PREFIX));
        } catch (ConfigurationException e) {
            problems.add(e);
        }
        String type = all.optional(HaContext.PREFIX + TYPE).orElse("?");
        for (String key : all.unreadKeys()) {
            if (!key.startsWith(HaContext.PREFIX)) {
                problems.add(new ConfigurationException(key, "is not an HA setting (HA keys start with '"
                        + HaContext.PREFIX + "'); pass only HA keys here, see docs/configuration.md"));
            } else if (ha != null || !key.startsWith(HaContext.PREFIX + type + ".")) {
                // (after a failed build, keys of the chosen provider may merely not have been reached)
                problems.add(new ConfigurationException(key, "is not read by ha.type=" + type
                        + " (a typo, or another provider's key); see docs/configuration.md"));
            }
        }
        if (!problems.isEmpty()) {
            if (ha != null) {
                ha.close();
            }
            throw ConfigurationException.of(problems);
        }
        return ha;
    }

    /**
     * Builds from a settings view over the {@code ha.} keys (as {@code NodeConfiguration}
     * passes it, so that the keys read are recorded with the rest of the node's configuration).
     *
     * @param nodeId this node's id
     * @param taskRoot the shared task root
     * @param haSettings a view with prefix {@code ha.}
     * @return the election and membership, not started
     * @throws ConfigurationException as {@link #fromProperties}
     */
    public static HighAvailability fromSettings(String nodeId, Path taskRoot, Settings haSettings) {
        return create(new HaContext(nodeId, taskRoot, haSettings, Clock.systemUTC()));
    }

    /**
     * Builds from a context whose properties have no prefix ({@code type}, ...).
     *
     * @param context node id, task root, properties
     * @return the election and membership, not started
     * @throws ConfigurationException as {@link #fromProperties}
     */
    public static HighAvailability create(HaContext context) {
        HaProvider provider = provider(context);
        LeaderElection election = provider.createElection(context);
        Membership membership;
        try {
            membership = provider.createMembership(context);
        } catch (RuntimeException e) {
            election.close();
            throw e;
        }
        return new HighAvailability(election, membership);
    }

    /**
     * Finds the provider named by {@code type} in the context.
     *
     * @param context the context
     * @return the provider
     * @throws ConfigurationException naming {@code ha.type} and the allowed values
     */
    public static HaProvider provider(HaContext context) {
        Objects.requireNonNull(context, "context");
        Map<String, HaProvider> providers = providers();
        String type = new HaProperties(context).optional(TYPE).orElse(null);
        if (type == null) {
            throw new ConfigurationException(HaProperties.fullKey(TYPE), "is required; allowed: " + providers.keySet());
        }
        HaProvider p = providers.get(type);
        if (p == null) {
            throw new ConfigurationException(HaProperties.fullKey(TYPE),
                    "unknown value '" + type + "'; allowed: " + providers.keySet());
        }
        return p;
    }

    /** @return every provider on the class path by type, sorted */
    static Map<String, HaProvider> providers() {
        Map<String, HaProvider> out = new TreeMap<>();
        for (HaProvider p : ServiceLoader.load(HaProvider.class, HighAvailability.class.getClassLoader())) {
            out.putIfAbsent(p.type(), p);
        }
        return out;
    }

    /** @return the election (not started until {@link #start()}) */
    public LeaderElection election() {
        return election;
    }

    /** @return the membership (not started until {@link #start()}) */
    public Membership membership() {
        return membership;
    }

    /**
     * Starts the membership, then the election. Idempotent.
     *
     * @throws io.migrate.error.MigrateException {@code HA_UNAVAILABLE} if a backend cannot start
     */
    public void start() {
        membership.start();
        election.start();
    }

    /** Closes the election (leadership released first), then the membership. Idempotent. */
    @Override
    public void close() {
        try {
            election.close();
        } finally {
            membership.close();
        }
    }
}
