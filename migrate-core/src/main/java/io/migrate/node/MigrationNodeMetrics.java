package io.migrate.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.migrate.dispatch.DispatchMetrics;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import io.migrate.transport.EndpointHealth;
import io.migrate.worker.WorkerMetrics;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link MigrationNode}'s meters to a Micrometer registry: the leader side's
 * ({@link DispatchMetrics}) and the worker's ({@link WorkerMetrics}) for the roles the node has,
 * plus the mover, the outbox and the task counts per state. Micrometer is an optional
 * dependency: a host without it never loads this class.
 *
 * <pre>{@code new MigrationNodeMetrics(node).bindTo(registry);}</pre>
 *
 * <p>Meters are named {@code migrate.*}, tagged with {@code node} and low-cardinality
 * dimensions ({@code state}, {@code outcome}, ...), never a file name or task id. Task counts
 * per state list the task root, so they are cached for {@code stateCacheTtl} (default 10 s).
 * The table of meters is in {@code docs/operations.md}. Thread-safe.
 */
public final class MigrationNodeMetrics implements MeterBinder {
    private final MigrationNode node;
    private final Duration stateCacheTtl;
    private final Tags tags;
    // Written by whichever scrape thread refreshes it; a stale read only shows an older count.
    private volatile TaskStatusView.Snapshot cached;
    private volatile long cachedAtNanos;

    /** @param node the node to observe */
    public MigrationNodeMetrics(MigrationNode node) {
        this(node, Duration.ofSeconds(10));
    }

    /**
     * @param node the node to observe
     * @param stateCacheTtl how long task counts per state are reused between scrapes
     */
    public MigrationNodeMetrics(MigrationNode node, Duration stateCacheTtl) {
        this.node = Objects.requireNonNull(node, "node");
        this.stateCacheTtl = Objects.requireNonNull(stateCacheTtl, "stateCacheTtl");
        this.tags = Tags.of("node", node.nodeId());
    }

    /**
     * Registers the meters; they read the node's counters on each scrape.
     *
     * @param registry the host's registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (node.gate() != null) {
            DispatchMetrics.bind(registry, node.gate(), node.dispatcher(), node.reclaimer());
            gauge(registry, "migrate.leader", "1 while this node holds a leader epoch", n -> n.metrics().leader() ? 1 : 0);
        }
        if (node.worker() != null) {
            WorkerMetrics.bind(registry, node.worker());
            counter(registry, "migrate.mover.bytes", "bytes sent, each range once", n -> n.metrics().bytesSent());
            counter(registry, "migrate.mover.files", "files finished by the mover", n -> n.metrics().filesDone());
            gauge(registry, "migrate.mover.buffer.high.water", "most buffer bytes held at once",
                    n -> n.metrics().bufferHighWaterBytes());
            gauge(registry, "migrate.mover.buffer.capacity", "buffer memory cap in bytes",
                    n -> n.metrics().bufferCapacityBytes());
            FunctionCounter.builder("migrate.results", node, n -> n.metrics().resultsPublished())
                    .description("results published").tags(tags.and("outcome", "published")).register(registry);
            FunctionCounter.builder("migrate.results", node, n -> n.metrics().publishFailures())
                    .description("failed publish attempts (the results stay in done/)")
                    .tags(tags.and("outcome", "failed")).register(registry);
            // One gauge per destination endpoint (a handful: low cardinality), like HikariCP's
            // per-pool gauges: 1 = in rotation, 0 = down or misconfigured.
            for (EndpointHealth e : node.endpointHealth()) {
                String id = e.endpointId();
                Gauge.builder("migrate.endpoint.up", node, n -> endpointUp(n, id))
                        .description("1 while the destination endpoint is in rotation, 0 while it is down or "
                                + "misconfigured (bucket missing, access denied)")
                        .tags(tags.and("endpoint", id)).register(registry);
            }
        }
        for (TaskState state : TaskState.values()) {
            Gauge.builder("migrate.tasks", this, self -> self.snapshot().count(state))
                    .description("tasks on the task root by state")
                    .tags(tags.and("state", state.name().toLowerCase(Locale.ROOT)))
                    .register(registry);
        }
    }

    private static double endpointUp(MigrationNode n, String id) {
        return n.endpointHealth().stream().filter(e -> e.endpointId().equals(id)).findFirst()
                .map(e -> e.usable() ? 1.0 : 0.0).orElse(Double.NaN);
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<MigrationNode> f) {
        FunctionCounter.builder(name, node, f).description(description).tags(tags).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<MigrationNode> f) {
        Gauge.builder(name, node, f).description(description).tags(tags).register(registry);
    }

    private TaskStatusView.Snapshot snapshot() {
        TaskStatusView.Snapshot s = cached;
        long now = System.nanoTime();
        if (s == null || now - cachedAtNanos > stateCacheTtl.toNanos()) {
            s = node.status().snapshot();
            cached = s;
            cachedAtNanos = now;
        }
        return s;
    }
}
