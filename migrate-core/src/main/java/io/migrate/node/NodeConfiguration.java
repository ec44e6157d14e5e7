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
import java.util.ArrayList;
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
    /**
     * Prefixes only backends read. One file may serve several roles, so a manager-only node
     * ignores them (and says so at INFO); every other key a node is given must be read, or it is
     * reported as unknown.
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
     * Reads every section even after a bad one, so that all problems are reported at once: each
     * section's first bad value, and every key that nothing read (a typo, a key of a provider
     * not chosen, a key with no meaning at all).
     *
     * @param settings the configuration
     * @return a builder with everything the settings say
     * @throws ConfigurationException listing every problem (the first key as
     *     {@link ConfigurationException#key()}, each problem also as a suppressed exception)
     */
    public static MigrationNode.Builder fromSettings(Settings settings) {
        List<ConfigurationException> problems = new ArrayList<>();
        // Key prefixes of sections that failed: their later keys were never reached, so they are
        // not reported as unknown on top of the real problem.
        Set<String> failedSections = new TreeSet<>();
        String nodeId = section(problems, failedSections, "node.id",
                () -> settings.required("node.id", "a unique id of this node, e.g. backend-1"));
        Path taskRoot = section(problems, failedSections, "task.root",
                () -> Path.of(settings.required("task.root", "the shared task root directory")));
        Set<NodeRole> roles = section(problems, failedSections, "node.roles", () -> {
            Set<NodeRole> rs = EnumSet.noneOf(NodeRole.class);
            for (String r : settings.list("node.roles").isEmpty() ? List.of("manager", "backend")
                    : settings.list("node.roles")) {
                rs.add(Settings.of(Map.of("node.roles", r)).enumValue("node.roles", NodeRole.class, null));
            }
            return rs;
        });
        MigrationNode.Builder b = MigrationNode.builder();
        section(problems, failedSections, "dispatch.,reclaim.,task.maxAttempts", () -> b.dispatchConfig(dispatch(settings)));
        section(problems, failedSections, "worker.,task.maxAttempts", () -> b.workerConfig(worker(settings)));
        section(problems, failedSections, "outbox.", () -> b
                .outboxPollInterval(settings.duration("outbox.pollInterval", Duration.ofSeconds(1)))
                .archiveRetention(settings.duration("outbox.archiveRetention", Duration.ofDays(7)))
                .outboxTakeoverAfter(settings.duration("outbox.takeoverAfter", Duration.ofSeconds(30))));
        section(problems, failedSections, "task.resultPollInterval", () -> b
                .resultPollInterval(settings.duration("task.resultPollInterval", Duration.ofSeconds(1))));
        boolean backend = roles == null || roles.contains(NodeRole.BACKEND);
        Transport transport = null;
        ResultPublisher publisher = null;
        HighAvailability ha = null;
        try {
            if (backend) {
                section(problems, failedSections, "mover.", () -> b.moverConfig(mover(settings.under("mover."))));
                transport = section(problems, failedSections, "transport.", () -> provider(settings, "transport.type",
                        TransportProvider.class, TransportProvider::type).create(settings.under("transport.")));
                String publisherNode = nodeId;
                publisher = section(problems, failedSections, "publisher.", () -> provider(settings, "publisher.type",
                        PublisherProvider.class, PublisherProvider::type).create(settings.under("publisher."), publisherNode));
            }
            if (nodeId != null && taskRoot != null) {
                ha = section(problems, failedSections, "ha.",
                        () -> HighAvailability.fromSettings(nodeId, taskRoot, settings.under("ha.")));
            }
            unknownKeys(settings, backend, failedSections, problems);
            if (!problems.isEmpty()) {
                throw ConfigurationException.of(problems);
            }
        } catch (RuntimeException e) {
            closeQuietly(transport);
            closeQuietly(publisher);
            closeQuietly(ha);
            throw e;
        }
        return b.nodeId(nodeId).taskRoot(taskRoot).roles(roles)
                .highAvailability(ha.election(), ha.membership()).transport(transport).publisher(publisher);
    }

    /** Runs one section's reads; a configuration problem is recorded and the loader goes on. */
    private static <T> T section(List<ConfigurationException> problems, Set<String> failedSections, String prefixes,
            java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigurationException e) {
            problems.add(e);
            failedSections.addAll(List.of(prefixes.split(",")));
            return null;
        }
    }

    private static void unknownKeys(Settings settings, boolean backend, Set<String> failedSections,
            List<ConfigurationException> problems) {
        Set<String> ignored = new TreeSet<>();
        String haType = settings.optional("ha.type").orElse("?");
        for (String k : settings.unreadKeys()) {
            if (failedSections.stream().anyMatch(k::startsWith)) {
                continue;
            }
            if (!backend && BACKEND_READ.stream().anyMatch(k::startsWith)) {
                ignored.add(k);
            } else if (k.startsWith("ha.")) {
                problems.add(new ConfigurationException(k, "is not read by ha.type=" + haType
                        + " (a typo, or another provider's key); see docs/configuration.md"));
            } else {
                problems.add(new ConfigurationException(k, "unknown configuration key; see docs/configuration.md"));
            }
        }
        if (!ignored.isEmpty()) {
            LOG.info("backend settings ignored by this manager-only node: {}", ignored);
        }
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
        s.optional("commitLeaseLimit").ifPresent(v -> b.commitLeaseLimit(s.duration("commitLeaseLimit", null)));
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
