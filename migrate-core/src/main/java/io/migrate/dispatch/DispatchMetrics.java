package io.migrate.dispatch;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Publishes the leader side's counts to Micrometer, for hosts that have it (it is an optional
 * dependency: this class is the only one that touches it, and only when called).
 *
 * <p>Meters, tagged {@code node} (this leader's id):
 * <ul>
 *   <li>{@code migrate.dispatch.tasks} (counter): tasks moved from pending to an inbox;</li>
 *   <li>{@code migrate.dispatch.unplaceable} (gauge): eligible tasks the last tick left pending;</li>
 *   <li>{@code migrate.leader.lost.races} (counter, tag {@code component} = dispatcher|reclaimer):
 *       moves that found their task gone; a rising count is the early warning of a split brain;</li>
 *   <li>{@code migrate.leader.fencings} (counter): epochs lost to a higher one;</li>
 *   <li>{@code migrate.leader.epoch} (gauge): the held epoch, 0 when not leading;</li>
 *   <li>{@code migrate.reclaim.tasks} (counter, tag {@code reason} = reclaimed|rebalanced|failed).</li>
 * </ul>
 *
 * <p>Thread-safety: the meters read the components' thread-safe accessors.
 */
public final class DispatchMetrics {
    private DispatchMetrics() {
    }

    /**
     * Registers the meters. Call once per registry.
     *
     * @param registry the host's registry
     * @param gate the leader gate
     * @param dispatcher the dispatcher
     * @param reclaimer the reclaimer
     */
    public static void bind(MeterRegistry registry, LeaderGate gate, TaskDispatcher dispatcher, TaskReclaimer reclaimer) {
        Objects.requireNonNull(registry, "registry");
        String node = gate.nodeId();
        FunctionCounter.builder("migrate.dispatch.tasks", dispatcher, TaskDispatcher::dispatched)
                .description("tasks moved from pending to an inbox").tag("node", node).register(registry);
        Gauge.builder("migrate.dispatch.unplaceable", dispatcher, TaskDispatcher::lastUnplaceable)
                .description("eligible tasks the last dispatch tick could not place").tag("node", node)
                .register(registry);
        FunctionCounter.builder("migrate.leader.lost.races", dispatcher, TaskDispatcher::lostRaces)
                .description("moves that found their task already moved").tags("node", node, "component", "dispatcher")
                .register(registry);
        FunctionCounter.builder("migrate.leader.lost.races", reclaimer, TaskReclaimer::lostRaces)
                .description("moves that found their task already moved").tags("node", node, "component", "reclaimer")
                .register(registry);
        FunctionCounter.builder("migrate.leader.fencings", gate, LeaderGate::fencings)
                .description("leader epochs lost to a higher one").tag("node", node).register(registry);
        Gauge.builder("migrate.leader.epoch", gate, LeaderGate::epoch)
                .description("the held leader epoch, 0 when not leading").tag("node", node).register(registry);
        FunctionCounter.builder("migrate.reclaim.tasks", reclaimer, TaskReclaimer::reclaimed)
                .description("tasks taken back from dead nodes or stalled leases").tags("node", node, "reason", "reclaimed")
                .register(registry);
        FunctionCounter.builder("migrate.reclaim.tasks", reclaimer, TaskReclaimer::rebalanced)
                .description("inbox tasks moved off overloaded nodes").tags("node", node, "reason", "rebalanced")
                .register(registry);
        FunctionCounter.builder("migrate.reclaim.tasks", reclaimer, TaskReclaimer::failed)
                .description("tasks moved to failed/ by the reclaimer").tags("node", node, "reason", "failed")
                .register(registry);
    }
}
