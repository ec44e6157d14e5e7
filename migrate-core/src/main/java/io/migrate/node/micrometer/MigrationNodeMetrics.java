package io.migrate.node.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeMetrics;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link MigrationNode}'s counters to a Micrometer registry. Micrometer is an optional
 * dependency: this class is the only one that touches it, and a host without Micrometer never
 * loads it.
 *
 * <pre>{@code new MigrationNodeMetrics(node).bindTo(registry);}</pre>
 *
 * <p>Meters are named {@code migrate.*} with the tag {@code node} (and {@code state} for task
 * counts); no tag ever carries a file name or task id. Task counts per state list the task
 * root, so they are cached for {@code stateCacheTtl} (default 10 s). Thread-safe.
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

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "migrate.tasks.dispatched", "tasks moved from pending to an inbox", NodeMetrics::dispatched);
        counter(registry, "migrate.tasks.reclaimed", "tasks taken back from dead or stalled nodes", NodeMetrics::reclaimed);
        counter(registry, "migrate.tasks.rebalanced", "inbox tasks moved off overloaded nodes", NodeMetrics::rebalanced);
        counter(registry, "migrate.ownership.lost.races", "transitions that found the task already moved",
                NodeMetrics::lostRaces);
        counter(registry, "migrate.leader.fencings", "times a higher epoch fenced this leader", NodeMetrics::fencings);
        counter(registry, "migrate.tasks.completed", "tasks this node committed to done", NodeMetrics::tasksCompleted);
        counter(registry, "migrate.tasks.rejected", "invalid tasks moved to failed", NodeMetrics::tasksRejected);
        counter(registry, "migrate.tasks.lost.ownership", "executions stopped because the task was reclaimed",
                NodeMetrics::lostOwnership);
        counter(registry, "migrate.mover.bytes.sent", "bytes sent, each range once", NodeMetrics::bytesSent);
        counter(registry, "migrate.mover.files", "files finished by the mover", NodeMetrics::filesDone);
        counter(registry, "migrate.results.published", "results published", NodeMetrics::resultsPublished);
        counter(registry, "migrate.results.publish.failures", "failed publish attempts", NodeMetrics::publishFailures);
        gauge(registry, "migrate.leader", "1 while this node holds a leader epoch", m -> m.leader() ? 1 : 0);
        gauge(registry, "migrate.leader.epoch", "the held leader epoch, 0 when none", NodeMetrics::epoch);
        gauge(registry, "migrate.mover.buffer.high.water", "most buffer bytes held at once",
                NodeMetrics::bufferHighWaterBytes);
        gauge(registry, "migrate.mover.buffer.capacity", "buffer memory cap in bytes", NodeMetrics::bufferCapacityBytes);
        for (TaskState state : TaskState.values()) {
            Gauge.builder("migrate.tasks", this, self -> self.snapshot().count(state))
                    .description("tasks on the task root by state")
                    .tags(tags.and("state", state.name().toLowerCase(Locale.ROOT)))
                    .register(registry);
        }
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<NodeMetrics> f) {
        FunctionCounter.builder(name, node, n -> f.applyAsDouble(n.metrics()))
                .description(description).tags(tags).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<NodeMetrics> f) {
        Gauge.builder(name, node, n -> f.applyAsDouble(n.metrics())).description(description).tags(tags).register(registry);
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
