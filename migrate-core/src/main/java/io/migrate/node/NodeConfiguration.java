package io.migrate.node;

import io.migrate.config.Settings;
import io.migrate.dispatch.DispatchConfig;
import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.ha.HighAvailability;
import io.migrate.move.MoverConfig;
import io.migrate.node.spi.PublisherProvider;
import io.migrate.node.spi.TransportProvider;
import io.migrate.result.ResultPublisher;
import io.migrate.transport.Transport;
import io.migrate.worker.WorkerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link MigrationNode} from flat configuration (a properties file). Every key is in
 * {@code docs/configuration.md}; every error is a {@link ConfigurationException} naming the key.
 * Unknown keys under the library's prefixes are reported as errors (they are usually typos).
 *
 * <pre>
 * node.id=backend-1
 * node.roles=backend
 * task.root=/mnt/nas/.migrate
 * ha.type=static
 * ha.static.leader=manager-1
 * transport.type=s3
 * transport.s3.endpoints=http://10.0.0.5:9000,http://10.0.0.6:9000
 * transport.s3.bucket=archive
 * mover.allowedSourceRoots=/mnt/nas/projects
 * publisher.type=kafka
 * publisher.kafka.bootstrapServers=kafka-1:9092
 * </pre>
 *
 * <p>Thread-safety: stateless static methods.
 */
public final class NodeConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(NodeConfiguration.class);
    /** Prefixes whose keys every node reads; an unread key under them is unknown. */
    private static final Set<String> ALWAYS_READ = Set.of("node.", "task.", "dispatch.", "reclaim.", "worker.", "outbox.");
    /**
     * Prefixes only backends read. One file may serve several roles, so a manager ignores them;
     * a backend treats unread keys under them as unknown.
     */
    private static final Set<String> BACKEND_READ = Set.of("transport.", "publisher.", "mover.");

    private NodeConfiguration() {
    }

    /**
     * @param file a properties file (UTF-8)
     * @return a builder with everything the file says, ready to {@link MigrationNode.Builder#build()}
     * @throws ConfigurationException naming the first bad key
     * @throws MigrateException with {@link ErrorCode#INVALID_CONFIGURATION} if the file cannot be read
     */
    public static MigrationNode.Builder load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.INVALID_CONFIGURATION, "cannot read configuration " + file, e);
        }
        return fromSettings(Settings.of(p));
    }

    /**
     * @param settings the configuration
     * @return a builder with everything the settings say
     * @throws ConfigurationException naming the first bad key, or listing unknown keys
     */
    public static MigrationNode.Builder fromSettings(Settings settings) {
        String nodeId = settings.required("node.id", "a unique id of this node, e.g. backend-1");
        Path taskRoot = Path.of(settings.required("task.root", "the shared task root directory"));
        Set<NodeRole> roles = EnumSet.noneOf(NodeRole.class);
        for (String r : settings.list("node.roles").isEmpty() ? List.of("manager", "backend")
                : settings.list("node.roles")) {
            roles.add(Settings.of(Map.of("node.roles", r)).enumValue("node.roles", NodeRole.class, null));
        }
        MigrationNode.Builder b = MigrationNode.builder().nodeId(nodeId).taskRoot(taskRoot).roles(roles)
                .dispatchConfig(dispatch(settings))
                .workerConfig(worker(settings))
                .outboxPollInterval(settings.duration("outbox.pollInterval", Duration.ofSeconds(1)))
                .archiveRetention(settings.duration("outbox.archiveRetention", Duration.ofDays(7)))
                .outboxTakeoverAfter(settings.duration("outbox.takeoverAfter", Duration.ofSeconds(30)))
                .resultPollInterval(settings.duration("task.resultPollInterval", Duration.ofSeconds(1)));
        Transport transport = null;
        ResultPublisher publisher = null;
        HighAvailability ha = null;
        try {
            if (roles.contains(NodeRole.BACKEND)) {
                b.moverConfig(mover(settings.under("mover.")));
                transport = provider(settings, "transport.type", TransportProvider.class, TransportProvider::type)
                        .create(settings.under("transport."));
                publisher = provider(settings, "publisher.type", PublisherProvider.class, PublisherProvider::type)
                        .create(settings.under("publisher."), nodeId);
            }
            ha = HighAvailability.fromSettings(nodeId, taskRoot, settings.under("ha."));
            rejectUnknownKeys(settings, roles.contains(NodeRole.BACKEND));
        } catch (RuntimeException e) {
            closeQuietly(transport);
            closeQuietly(publisher);
            closeQuietly(ha);
            throw e;
        }
        return b.highAvailability(ha.election(), ha.membership()).transport(transport).publisher(publisher);
    }

    private static void rejectUnknownKeys(Settings settings, boolean backend) {
        // ha.* keys of providers not chosen are legitimately unread: only the chosen one is checked.
        Set<String> unknown = new TreeSet<>();
        for (String k : settings.unreadKeys()) {
            if (ALWAYS_READ.stream().anyMatch(k::startsWith) || k.startsWith("ha.") && isChosenHa(settings, k)
                    || backend && BACKEND_READ.stream().anyMatch(k::startsWith)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigurationException(unknown.iterator().next(),
                    "unknown configuration key(s) " + unknown + "; see docs/configuration.md");
        }
    }

    private static boolean isChosenHa(Settings settings, String key) {
        String type = settings.optional("ha.type").orElse("");
        return key.startsWith("ha." + type + ".") || key.startsWith("ha.heartbeat.") && type.equals("static");
    }

    private static DispatchConfig dispatch(Settings s) {
        DispatchConfig d = DispatchConfig.defaults();
        DispatchConfig.Builder b = DispatchConfig.builder()
                .dispatchTick(s.duration("dispatch.tick", d.dispatchTick()))
                .affinityGroupSize(s.integer("dispatch.affinityGroupSize", d.affinityGroupSize(), 1, 1000))
                .backlogThreshold(s.integer("dispatch.backlogThreshold", d.backlogThreshold(), 1, 1_000_000))
                .inboxCap(s.integer("dispatch.inboxCap", d.inboxCap(), 1, 1_000_000))
                .reclaimTick(s.duration("reclaim.tick", d.reclaimTick()))
                .reclaimPerTick(s.integer("reclaim.rebalancePerTick", d.reclaimPerTick(), 0, 1_000_000))
                .assignPerTarget(s.integer("reclaim.rebalancePerTarget", d.assignPerTarget(), 1, 1_000_000))
                .rebalanceCooldown(s.duration("reclaim.rebalanceCooldown", d.rebalanceCooldown()))
                .taskTimeout(s.duration("reclaim.taskTimeout", d.taskTimeout()))
                .nodeLease(s.duration("reclaim.nodeLease", d.nodeLease()))
                .maxReassignments(s.integer("reclaim.maxReassignments", d.maxReassignments(), 1, 1000))
                .maxAttempts(s.integer("task.maxAttempts", d.maxAttempts(), 1, 1000))
                .incomingTimeout(s.duration("reclaim.incomingTimeout", d.incomingTimeout()));
        // Derived from the lease and ticks unless set: pass them on only when the file sets them.
        s.optional("reclaim.grace").ifPresent(v -> b.reclaimGrace(s.duration("reclaim.grace", null)));
        s.optional("reclaim.fencedBackoff").ifPresent(v -> b.fencedBackoff(s.duration("reclaim.fencedBackoff", null)));
        return b.build();
    }

    private static WorkerConfig worker(Settings settings) {
        WorkerConfig d = WorkerConfig.defaults();
        // One attempt limit for the worker (retry tasks) and the reclaimer (stalled tasks).
        int maxAttempts = settings.integer("task.maxAttempts", d.maxAttempts(), 1, 1000);
        Settings s = settings.under("worker.");
        return WorkerConfig.builder()
                .concurrency(s.integer("concurrency", d.concurrency(), 1, 1024))
                .pollInterval(s.duration("pollInterval", d.pollInterval()))
                .heartbeatInterval(s.duration("heartbeatInterval", d.heartbeatInterval()))
                .leaseRenewInterval(s.duration("leaseRenewInterval", d.leaseRenewInterval()))
                .maxAttempts(maxAttempts)
                .retryBackoff(s.duration("retryBackoff", d.retryBackoff()))
                .maxRetryBackoff(s.duration("maxRetryBackoff", d.maxRetryBackoff()))
                .shutdownTimeout(s.duration("shutdownTimeout", d.shutdownTimeout()))
                .build();
    }

    private static MoverConfig mover(Settings s) {
        MoverConfig.Builder b = MoverConfig.builder();
        s.optional("threads").ifPresent(v -> b.threads(s.integer("threads", 1, 1, 1024)));
        s.optional("rangeSize").ifPresent(v -> b.rangeSize(s.bytes("rangeSize", 0, 64L << 10, 1L << 30)));
        s.optional("maxInFlightBytes").ifPresent(v -> b.maxInFlightBytes(s.bytes("maxInFlightBytes", 0, 1, Long.MAX_VALUE)));
        s.optional("splitThreshold").ifPresent(v -> b.splitThreshold(s.bytes("splitThreshold", 0, 0, Long.MAX_VALUE)));
        s.optional("maxRetries").ifPresent(v -> b.maxRetries(s.integer("maxRetries", 0, 0, 100)));
        Duration initial = s.duration("initialBackoff", Duration.ofMillis(200));
        Duration max = s.duration("maxBackoff", Duration.ofSeconds(10));
        b.backoff(initial, max);
        s.optional("healthCheckInterval").ifPresent(v -> b.healthCheckInterval(s.duration("healthCheckInterval", null)));
        s.optional("endpointWait").ifPresent(v -> b.endpointWait(s.duration("endpointWait", null)));
        s.optional("cancelTimeout").ifPresent(v -> b.cancelTimeout(s.duration("cancelTimeout", null)));
        for (String root : s.list("allowedSourceRoots")) {
            b.allowSourceRoot(Path.of(root));
        }
        return b.build();
    }

    private static <P> P provider(Settings settings, String key, Class<P> type, Function<P, String> typeOf) {
        Map<String, P> found = new TreeMap<>();
        for (P p : ServiceLoader.load(type, NodeConfiguration.class.getClassLoader())) {
            found.putIfAbsent(typeOf.apply(p), p);
        }
        String wanted = settings.optional(key).orElse(key.startsWith("publisher") ? "log" : null);
        if (wanted == null) {
            throw new ConfigurationException(key, "is required; allowed: " + found.keySet());
        }
        P p = found.get(wanted);
        if (p == null) {
            throw new ConfigurationException(key, "unknown value '" + wanted + "'; allowed on this class path: "
                    + found.keySet() + " (add the module that provides it)");
        }
        return p;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {} after a configuration error failed", c, e);
        }
    }
}
