package io.migrate.ha.zookeeper;

import io.migrate.error.ConfigurationException;
import io.migrate.internal.Require;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;

/**
 * Immutable configuration shared by {@link ZooKeeperLeaderElection} and
 * {@link ZooKeeperMembership}. Build with {@link #builder()}, reopen with {@link #toBuilder()};
 * {@link Builder#build()} validates, and its errors name the key an operator writes in a node's
 * properties ({@code ha.zookeeper.connect}, {@code node.id}). Each getter returns what was set.
 *
 * <p>Defaults: session timeout 15 s, connection timeout 5 s, start timeout 10 s, base path
 * {@code /migrate}, revalidate timeout 3 s. The leader latch lives under {@code <basePath>/leader}, members under
 * {@code <basePath>/members/<node>}. Thread-safe (immutable).
 */
public final class ZooKeeperConfig {
    /** Default session timeout: how long a silent leader keeps its latch node. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(15);
    /** Default connection timeout. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /** Default bound on the wait for the first connection in {@code start()}. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);
    /** Default bound on {@code revalidate()} and {@code isAlive()} round trips. */
    public static final Duration DEFAULT_REVALIDATE_TIMEOUT = Duration.ofSeconds(3);
    /** Default base path. */
    public static final String DEFAULT_BASE_PATH = "/migrate";
    /** The node's id key, set for every HA type ({@code ZooKeeperHaProvider} passes the node's id). */
    static final String NODE_ID_KEY = "node.id";
    /** The prefix of this provider's keys ({@code ZooKeeperHaProvider}) and of validation errors. */
    static final String PREFIX = "ha.zookeeper.";

    private final String nodeId;
    private final String connectString;
    private final Duration sessionTimeout;
    private final Duration connectionTimeout;
    private final Duration startTimeout;
    private final Duration revalidateTimeout;
    private final String basePath;
    private final Set<String> knownNodes;

    private ZooKeeperConfig(Builder b) {
        this.startTimeout = b.startTimeout;
        this.nodeId = b.nodeId;
        this.connectString = b.connectString;
        this.sessionTimeout = b.sessionTimeout;
        this.connectionTimeout = b.connectionTimeout;
        this.revalidateTimeout = b.revalidateTimeout;
        this.basePath = b.basePath;
        this.knownNodes = Set.copyOf(b.knownNodes);
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reopens this configuration, e.g. to give a second node the same ensemble settings.
     *
     * @return a new builder holding this configuration's settings; changing it never changes
     *     this configuration, and building it unchanged gives a config equal in every getter
     */
    public Builder toBuilder() {
        return new Builder().nodeId(nodeId).connectString(connectString).sessionTimeout(sessionTimeout)
                .connectionTimeout(connectionTimeout).startTimeout(startTimeout).revalidateTimeout(revalidateTimeout)
                .basePath(basePath).knownNodes(knownNodes);
    }

    /** @return this node's id (latch participant id and member node name) */
    public String nodeId() {
        return nodeId;
    }

    /** @return the ensemble, {@code host:port,host:port} */
    public String connectString() {
        return connectString;
    }

    /** @return the requested session timeout */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** @return the connection timeout */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /**
     * @return how long {@code start()} of the election and the membership waits for the first
     *     connection before it fails with {@code HA_UNAVAILABLE}; zero = do not wait
     */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** @return the bound on synchronous checks */
    public Duration revalidateTimeout() {
        return revalidateTimeout;
    }

    /** @return the base znode path */
    public String basePath() {
        return basePath;
    }

    /** @return nodes known before they first register */
    public Set<String> knownNodes() {
        return knownNodes;
    }

    String latchPath() {
        return basePath + "/leader";
    }

    String membersPath() {
        return basePath + "/members";
    }

    /** Mutable builder. Not thread-safe. */
    public static final class Builder {
        private String nodeId;
        private String connectString;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration revalidateTimeout = DEFAULT_REVALIDATE_TIMEOUT;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String basePath = DEFAULT_BASE_PATH;
        private Set<String> knownNodes = Set.of();

        private Builder() {
        }

        /** @param nodeId this node's id; required, no {@code /} */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /** @param connectString the ensemble; required */
        public Builder connectString(String connectString) {
            this.connectString = connectString;
            return this;
        }

        /** @param timeout session timeout; default 15 s (the server may clamp it) */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = timeout;
            return this;
        }

        /** @param timeout connection timeout; default 5 s */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = timeout;
            return this;
        }

        /**
         * @param timeout how long {@code start()} waits for the first connection to the ensemble
         *     before it throws {@code HA_UNAVAILABLE}; default 10 s; zero = return at once and
         *     connect in the background (the state stays UNKNOWN until connected)
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** @param timeout bound on revalidate/isAlive round trips; default 3 s */
        public Builder revalidateTimeout(Duration timeout) {
            this.revalidateTimeout = timeout;
            return this;
        }

        /** @param path base znode, absolute, no trailing slash; default {@code /migrate} */
        public Builder basePath(String path) {
            this.basePath = path;
            return this;
        }

        /** @param nodes nodes known before they first register */
        public Builder knownNodes(Collection<String> nodes) {
            this.knownNodes = Set.copyOf(nodes);
            return this;
        }

        /**
         * @return the validated configuration
         * @throws ConfigurationException naming the bad setting by its full key
         *     ({@code ha.zookeeper.<key>}, {@code node.id})
         */
        public ZooKeeperConfig build() {
            Require.nonBlank(NODE_ID_KEY, nodeId);
            if (nodeId.contains("/")) {
                throw new ConfigurationException(NODE_ID_KEY, "must not contain '/', was '" + nodeId + "'");
            }
            Require.nonBlank(PREFIX + "connect", connectString);
            Require.positive(PREFIX + "sessionTimeout", sessionTimeout);
            Require.positive(PREFIX + "connectionTimeout", connectionTimeout);
            Require.positive(PREFIX + "revalidateTimeout", revalidateTimeout);
            Require.nonNull(PREFIX + "startTimeout", startTimeout);
            if (startTimeout.isNegative()) {
                throw new ConfigurationException(PREFIX + "startTimeout", "must be zero or positive, was " + startTimeout);
            }
            Require.nonBlank(PREFIX + "path", basePath);
            if (!basePath.startsWith("/") || (basePath.length() > 1 && basePath.endsWith("/"))) {
                throw new ConfigurationException(PREFIX + "path",
                        "must be an absolute znode path without trailing '/', was '" + basePath + "'");
            }
            return new ZooKeeperConfig(this);
        }
    }
}
