package io.migrate.ha.zookeeper;

import io.migrate.ha.internal.AbstractMembership;
import io.migrate.internal.Executors2;
import io.migrate.internal.NamedThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership by ZooKeeper ephemeral nodes: a node is alive while its session holds
 * {@code <basePath>/members/<node>}.
 *
 * <p>The node registers on its first {@link #heartbeat()} (its worker's first sign of life), so a
 * manager that runs no worker never appears as a backend; Curator's {@link PersistentNode}
 * re-creates the ephemeral node after a session expiry. Liveness here means "the process holds a
 * session", not "the worker makes progress": the reclaimer's stalled-task rule covers a stuck
 * worker. Observation uses a {@link CuratorCache}; {@link #isAlive(String)} asks the ensemble,
 * and if it cannot answer within the revalidate timeout, answers from the cache.
 *
 * <p>Threads owned: the cache's event thread ({@code migrate-ha-zk-members-N}), the notifier
 * ({@code migrate-ha-membership-N}), and the Curator client's threads when owned.
 * {@link #close()} is idempotent and bounded.
 */
public final class ZooKeeperMembership extends AbstractMembership {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperMembership.class);

    private final ZooKeeperConfig config;
    private final CuratorFramework client;
    private final boolean ownsClient;
    private final ExecutorService cacheEvents = Executors.newSingleThreadExecutor(new NamedThreadFactory("ha-zk-members"));
    private final AtomicBoolean registered = new AtomicBoolean();
    /** Whether the last {@link #isAlive} round trip got no answer (for one WARN per outage). */
    private final AtomicBoolean askFailing = new AtomicBoolean();
    private volatile CuratorCache cache;
    private volatile PersistentNode self;

    /** @param config validated configuration; the membership creates and owns its client */
    public ZooKeeperMembership(ZooKeeperConfig config) {
        this(config, Clients.newClient(config), true);
    }

    /**
     * @param config validated configuration
     * @param client the host's client (not closed by {@link #close()})
     */
    public ZooKeeperMembership(ZooKeeperConfig config, CuratorFramework client) {
        this(config, client, false);
    }

    private ZooKeeperMembership(ZooKeeperConfig config, CuratorFramework client, boolean ownsClient) {
        super(config.knownNodes());
        this.config = config;
        this.client = client;
        this.ownsClient = ownsClient;
    }

    /** For tests: the client, to expire its session. */
    CuratorFramework client() {
        return client;
    }

    /**
     * Starts the client (if owned), waits up to {@link ZooKeeperConfig#startTimeout()} for its
     * first connection, and starts the members cache.
     *
     * @throws io.migrate.error.MigrateException {@code HA_UNAVAILABLE} if the ensemble cannot be
     *     reached in time (the membership is then unusable: close it)
     */
    @Override
    protected void doStart() {
        if (ownsClient) {
            client.start();
        }
        Clients.awaitFirstConnection(client, config, "node " + config.nodeId() + " (membership)");
        CuratorCache c = CuratorCache.build(client, config.membersPath());
        c.listenable().addListener(CuratorCacheListener.builder()
                .forAll((type, before, after) -> refresh())
                .forInitialized(this::refresh)
                .build(), cacheEvents);
        cache = c;
        c.start();
    }

    private void refresh() {
        CuratorCache c = cache;
        if (c == null) {
            return;
        }
        Set<String> members = new TreeSet<>();
        c.stream().forEach(d -> {
            String parent = ZKPaths.getPathAndNode(d.getPath()).getPath();
            if (parent.equals(config.membersPath())) {
                members.add(ZKPaths.getNodeFromPath(d.getPath()));
            }
        });
        publish(members);
    }

    /** Asks the ensemble whether the node's ephemeral exists; on no answer, the cache decides. */
    @Override
    public boolean isAlive(String node) {
        Objects.requireNonNull(node, "node");
        try {
            boolean alive = Clients.stat(client, ZKPaths.makePath(config.membersPath(), node),
                    config.revalidateTimeout()) != null;
            if (askFailing.compareAndSet(true, false)) {
                LOG.info("ZooKeeper answers liveness questions again");
            }
            return alive;
        } catch (Clients.NoAnswer e) {
            // One WARN when ZooKeeper stops answering, not one per node per reclaim tick.
            if (askFailing.compareAndSet(false, true)) {
                LOG.warn("cannot ask ZooKeeper whether {} is alive ({}); answering from the cache until it answers again",
                        node, e.getMessage());
            } else {
                LOG.debug("cannot ask ZooKeeper whether {} is alive ({})", node, e.getMessage());
            }
            return liveNodes().contains(node);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return liveNodes().contains(node);
        }
    }

    /** Registers this node (ephemeral, re-created after session loss) on the first call. */
    @Override
    public void heartbeat() {
        if (isClosed() || !registered.compareAndSet(false, true)) {
            return;
        }
        PersistentNode n = new PersistentNode(client, CreateMode.EPHEMERAL, false,
                ZKPaths.makePath(config.membersPath(), config.nodeId()),
                config.nodeId().getBytes(StandardCharsets.UTF_8));
        self = n;
        // INFO when the ephemeral node exists, not when creating it was merely scheduled: with
        // the ensemble unreachable that never happens.
        n.getListenable().addListener(path -> LOG.info("node {} registered in {}", config.nodeId(), config.membersPath()));
        n.start();
        LOG.debug("node {} registering in {}", config.nodeId(), config.membersPath());
    }

    /** Deletes this node's member entry, stops the cache, then the owned client. */
    @Override
    protected void doClose() {
        PersistentNode n = self;
        if (n != null) {
            try {
                n.close();
            } catch (IOException e) {
                LOG.debug("closing member node", e);
            }
        }
        CuratorCache c = cache;
        if (c != null) {
            c.close();
        }
        Executors2.stop(cacheEvents, false, "ZooKeeper members cache thread");
        if (ownsClient && isStarted()) {
            client.close();
        }
    }
}
