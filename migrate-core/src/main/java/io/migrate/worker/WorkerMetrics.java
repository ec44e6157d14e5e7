package io.migrate.worker;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Publishes a {@link Worker}'s counts to Micrometer, for hosts that have it (optional
 * dependency: only this class touches it, and only when called).
 *
 * <p>Meters, tagged {@code node}: {@code migrate.worker.tasks} (counter, tag {@code outcome} =
 * completed|lost|rejected; {@code lost} counts executions stopped because the task was taken
 * away while the node was presumed dead) and {@code migrate.worker.executing} (gauge).
 *
 * <p>Thread-safety: the meters read the worker's thread-safe accessors.
 */
public final class WorkerMetrics {
    private WorkerMetrics() {
    }

    /**
     * Registers the meters. Call once per registry.
     *
     * @param registry the host's registry
     * @param worker the worker
     */
    public static void bind(MeterRegistry registry, Worker worker) {
        Objects.requireNonNull(registry, "registry");
        String node = worker.node();
        FunctionCounter.builder("migrate.worker.tasks", worker, Worker::completed)
                .description("task attempts committed to done/").tags("node", node, "outcome", "completed")
                .register(registry);
        FunctionCounter.builder("migrate.worker.tasks", worker, Worker::lostOwnership)
                .description("executions stopped because the task was taken away").tags("node", node, "outcome", "lost")
                .register(registry);
        FunctionCounter.builder("migrate.worker.tasks", worker, Worker::rejected)
                .description("invalid tasks moved to failed/").tags("node", node, "outcome", "rejected")
                .register(registry);
        Gauge.builder("migrate.worker.executing", worker, w -> w.executing().size())
                .description("tasks executing now").tag("node", node).register(registry);
    }
}
