package io.migrate.ha.ctdb;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Immutable configuration of {@link CtdbLeaderElection} and {@link CtdbMembership}.
 *
 * <p>Defaults: command {@code ctdb}, timeout 3 s (passed as {@code -T 3}; the process is killed
 * 0.5 s later if still running), poll interval 2 s, leader command {@link LeaderCommand#AUTO}.
 * The node map (PNN to node id) is required: CTDB knows nodes by number, the task root by id.
 * Build with {@link #builder()}, reopen with {@link #toBuilder()}; errors name the key an operator
 * writes in a node's properties ({@code ha.ctdb.timeout}, {@code node.id}). Each getter returns
 * what was set. Thread-safe (immutable).
 */
public final class CtdbConfig {
    /** Default command timeout (the {@code -T} of {@code ctdb leader}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
    /** Default poll interval. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
    /** The node's id key, set for every HA type ({@code CtdbHaProvider} passes the node's id). */
    static final String NODE_ID_KEY = "node.id";
    /** The prefix of this provider's keys ({@code CtdbHaProvider}) and of validation errors. */
    static final String PREFIX = "ha.ctdb.";

    /** Which command names the cluster leader. */
    public enum LeaderCommand {
        /** Try {@code leader} once; if this ctdb does not know it, use {@code recmaster} from then on. */
        AUTO,
        /** {@code ctdb leader} (Samba 4.16 and later). */
        LEADER,
        /** {@code ctdb recmaster} (before Samba 4.16). */
        RECMASTER
    }

    private final String nodeId;
    private final String command;
    private final Map<String, String> environment;
    private final Duration timeout;
    private final Duration pollInterval;
    private final LeaderCommand leaderCommand;
    private final Map<Integer, String> nodes;

    private CtdbConfig(Builder b) {
        this.nodeId = b.nodeId;
        this.command = b.command;
        this.environment = Map.copyOf(b.environment);
        this.timeout = b.timeout;
        this.pollInterval = b.pollInterval;
        this.leaderCommand = b.leaderCommand;
        this.nodes = Map.copyOf(b.nodes);
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reopens this configuration, e.g. to build the same cluster's config for another node id.
     *
     * @return a new builder holding this configuration's settings; changing it never changes
     *     this configuration, and building it unchanged gives a config equal in every getter
     */
    public Builder toBuilder() {
        return new Builder().nodeId(nodeId).command(command).environment(environment).timeout(timeout)
                .pollInterval(pollInterval).leaderCommand(leaderCommand).nodes(nodes);
    }

    /** @return this node's id */
    public String nodeId() {
        return nodeId;
    }

    /** @return the ctdb command path */
    public String command() {
        return command;
    }

    /** @return extra environment for every ctdb command (e.g. {@code CTDB_SOCKET}) */
    public Map<String, String> environment() {
        return environment;
    }

    /** @return the per-command timeout */
    public Duration timeout() {
        return timeout;
    }

    /** @return the poll interval */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** @return how the leader is asked */
    public LeaderCommand leaderCommand() {
        return leaderCommand;
    }

    /** @return PNN to node id */
    public Map<Integer, String> nodes() {
        return nodes;
    }

    /**
     * @param pnn a CTDB node number
     * @return the configured node id, or {@code pnn-<n>} for a node missing from the map
     */
    String idOf(int pnn) {
        String id = nodes.get(pnn);
        return id != null ? id : "pnn-" + pnn;
    }

    /** Mutable builder. Not thread-safe. */
    public static final class Builder {
        private String nodeId;
        private String command = "ctdb";
        private Map<String, String> environment = Map.of();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private LeaderCommand leaderCommand = LeaderCommand.AUTO;
        private Map<Integer, String> nodes = Map.of();

        private Builder() {
        }

        /** @param nodeId this node's id; required, must appear in the node map */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** @param command path of the ctdb client; default {@code ctdb} (found on PATH) */
        public Builder command(String command) {
            this.command = command;
            return this;
        }

        /** @param environment added to every command's environment, e.g. CTDB_SOCKET, CTDB_BASE */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** @param timeout per-command bound, 1 s to 60 s; default 3 s */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** @param interval how often leadership and node status are polled; default 2 s */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /** @param command which command names the leader; default AUTO */
        public Builder leaderCommand(LeaderCommand command) {
            this.leaderCommand = command;
            return this;
        }

        /** @param nodes PNN to node id (as in {@code 0:node-a,1:node-b}); required */
        public Builder nodes(Map<Integer, String> nodes) {
            this.nodes = new TreeMap<>(nodes);
            return this;
        }

        /**
         * @return the validated configuration
         * @throws ConfigurationException naming the bad setting by its full key
         *     ({@code ha.ctdb.<key>}, {@code node.id})
         */
        public CtdbConfig build() {
            Require.nonBlank(NODE_ID_KEY, nodeId);
            Require.nonBlank(PREFIX + "command", command);
            Require.positive(PREFIX + "timeout", timeout);
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new ConfigurationException(PREFIX + "timeout",
                        "must be in [1s, 60s] (ctdb -T takes whole seconds), was " + timeout);
            }
            Require.positive(PREFIX + "pollInterval", pollInterval);
            Require.nonNull(PREFIX + "leaderCommand", leaderCommand);
            if (nodes.isEmpty()) {
                throw new ConfigurationException(PREFIX + "nodes", "is required: PNN to node id, like 0:node-a,1:node-b");
            }
            if (!nodes.containsValue(nodeId)) {
                throw new ConfigurationException(PREFIX + "nodes",
                        "must map a PNN to this node's id '" + nodeId + "', was " + nodes);
            }
            if (nodes.values().stream().distinct().count() != nodes.size()) {
                throw new ConfigurationException(PREFIX + "nodes", "maps two PNNs to the same node id: " + nodes);
            }
            return new CtdbConfig(this);
        }
    }
}
