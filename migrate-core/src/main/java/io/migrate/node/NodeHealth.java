package io.migrate.node;

import io.migrate.error.ErrorCode;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.transport.EndpointHealth;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a host exposes as a migrate node's health and readiness (a Kubernetes probe, a
 * {@code /health} page), like HikariCP's pool MXBean or Curator's {@code isConnected()}.
 * A snapshot taken by {@link MigrationNode#health()}; every part is cheap to take (one small
 * file created and deleted on the task root, no request to a destination: endpoint states are
 * the mover's heartbeat view).
 *
 * @param at when the snapshot was taken
 * @param nodeId the node
 * @param roles its roles
 * @param lifecycle NEW (built), STARTED, or CLOSED
 * @param leadership the election's state for a manager (null for a backend-only node, which does
 *     not stand for election)
 * @param leaderEpoch the task-root epoch this node leads under, 0 when it does not lead
 * @param taskRoot the task root's writability
 * @param endpoints each destination endpoint's state and last error (empty for a manager-only node)
 * @param publisher the result publisher's state (null for a manager-only node)
 * @param backlog tasks assigned to this node and not finished (inbox + running; 0 for a
 *     manager-only node)
 */
public record NodeHealth(Instant at, String nodeId, Set<NodeRole> roles, Lifecycle lifecycle,
        LeadershipState leadership, long leaderEpoch, TaskRootHealth taskRoot, List<EndpointHealth> endpoints,
        PublisherHealth publisher, long backlog) {

    /** Where the node is in its life. */
    public enum Lifecycle {
        /** Built, not started. */
        NEW,
        /** {@link MigrationNode#start()} returned. */
        STARTED,
        /** Closed, or failed to start. */
        CLOSED
    }

    /** Copies the collections. */
    public NodeHealth {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(nodeId, "nodeId");
        roles = Set.copyOf(roles);
        Objects.requireNonNull(lifecycle, "lifecycle");
        Objects.requireNonNull(taskRoot, "taskRoot");
        endpoints = List.copyOf(endpoints);
    }

    /**
     * Ready = able to do its work now: started, the task root writable, and for a backend at
     * least one endpoint up. Leadership is not part of it: a manager that does not lead is
     * healthy. A failing publisher is not either: results wait in {@code done/} and nothing is
     * lost; it is in {@link #problems()}.
     *
     * @return whether the node is ready
     */
    public boolean ready() {
        return lifecycle == Lifecycle.STARTED && taskRoot.writable()
                && (!roles.contains(NodeRole.BACKEND) || endpoints.stream().anyMatch(EndpointHealth::usable));
    }

    /**
     * @return one sentence per thing that is wrong or degraded (empty when all is well), for a
     *     log line or a health page
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (lifecycle != Lifecycle.STARTED) {
            p.add("node is " + lifecycle);
        }
        if (!taskRoot.writable()) {
            p.add("task root " + taskRoot.path() + " is not writable: " + taskRoot.error().orElse("?"));
        }
        if (leadership == LeadershipState.UNKNOWN && lifecycle == Lifecycle.STARTED) {
            p.add("leadership UNKNOWN: the HA backend cannot be reached");
        }
        for (EndpointHealth e : endpoints) {
            if (e.state() == EndpointHealth.State.DOWN || e.state() == EndpointHealth.State.MISCONFIGURED) {
                p.add("endpoint " + e.endpointId() + " " + e.state() + " since " + e.since() + ": "
                        + e.lastErrorCode() + " " + e.lastError());
            }
        }
        if (publisher != null && publisher.state() == PublisherHealth.State.FAILING) {
            p.add("result publisher failing since " + publisher.since() + " (" + publisher.waiting()
                    + " results waiting in done/): " + publisher.lastError());
        }
        return List.copyOf(p);
    }

    /**
     * @param path the task root
     * @param writable whether a file could be created and deleted in every directory of its layout
     * @param error why not (the path and the I/O error), empty when writable
     */
    public record TaskRootHealth(Path path, boolean writable, Optional<String> error) {
        /** Validates. */
        public TaskRootHealth {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * @param state OK (the last attempt succeeded, or none was needed yet) or FAILING
     * @param since when it entered {@code state} (null: nothing published or failed yet)
     * @param published results published by this node
     * @param failures failed publish attempts by this node
     * @param lastErrorCode the code of the last failure, or null
     * @param lastError the message of the last failure, or null
     * @param waiting results in {@code done/} (all nodes' outbox), not yet published
     */
    public record PublisherHealth(State state, Instant since, long published, long failures,
            ErrorCode lastErrorCode, String lastError, long waiting) {
        /** The publisher's state. */
        public enum State {
            /** Its last attempt succeeded, or it has not been asked yet. */
            OK,
            /** Its last attempt failed; results wait in {@code done/} and go out when it recovers. */
            FAILING
        }
    }
}
