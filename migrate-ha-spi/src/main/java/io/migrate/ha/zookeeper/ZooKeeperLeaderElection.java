package io.migrate.ha.zookeeper;

import io.migrate.ha.internal.AbstractLeaderElection;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.internal.Executors2;
import io.migrate.internal.NamedThreadFactory;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Leader election on ZooKeeper with Curator's {@link LeaderLatch} (a Curator release with the
 * CURATOR-696 double-leader fix: 5.7.0 or later).
 *
 * <p>States:
 * <ul>
 *   <li>LEADER: the latch says so, the connection is up, and (on {@link #revalidate()}) the
 *       latch node exists and its ephemeral owner is our current session;</li>
 *   <li>UNKNOWN: the connection is SUSPENDED (set at once, before the session may have expired),
 *       or a revalidation round trip did not answer within the timeout;</li>
 *   <li>NOT_LEADER: another participant leads, the session is LOST, or the latch node is gone
 *       or owned by another session. On losing leadership this way the latch is closed and a
 *       new one started <em>first</em>, then listeners are told.</li>
 * </ul>
 *
 * <p>Threads owned: one event thread ({@code migrate-ha-zk-N}) that handles every latch and
 * connection event and every state decision, in order; the notifier ({@code migrate-ha-leader-N});
 * and Curator's own threads when this election created its client. {@link #close()} is
 * idempotent: the state goes to NOT_LEADER, then the latch is closed (deleting its node), then
 * threads and the owned client stop.
 */
public final class ZooKeeperLeaderElection extends AbstractLeaderElection {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperLeaderElection.class);

    private final ZooKeeperConfig config;
    private final CuratorFramework client;
    private final boolean ownsClient;
    /** Every latch/connection event and state decision runs here, one at a time. */
    private final ExecutorService events;
    private final ConnectionStateListener connectionListener = (c, s) -> onConnectionState(s);
    /** The current latch; replaced only on the event thread. */
    private volatile LeaderLatch latch;

    /**
     * An election with its own Curator client (created from {@code config}, closed by
     * {@link #close()}).
     *
     * @param config validated configuration
     */
    public ZooKeeperLeaderElection(ZooKeeperConfig config) {
        this(config, Clients.newClient(config), true);
    }

    /**
     * An election on a client the host owns (started or not; not closed by {@link #close()}).
     *
     * @param config validated configuration (its connect string and timeouts are not used)
     * @param client the host's Curator client
     */
    public ZooKeeperLeaderElection(ZooKeeperConfig config, CuratorFramework client) {
        this(config, client, false);
    }

    private ZooKeeperLeaderElection(ZooKeeperConfig config, CuratorFramework client, boolean ownsClient) {
        super(config.nodeId());
        this.config = config;
        this.client = client;
        this.ownsClient = ownsClient;
        this.events = Executors.newSingleThreadExecutor(new NamedThreadFactory("ha-zk"));
    }

    /** For tests: the client, to expire its session. */
    CuratorFramework client() {
        return client;
    }

    /**
     * Starts the client (if owned), waits up to {@link ZooKeeperConfig#startTimeout()} for its
     * first connection, and joins the latch; returns without waiting for leadership.
     *
     * @throws io.migrate.error.MigrateException {@code HA_UNAVAILABLE} if the ensemble cannot be
     *     reached in time (the election is then unusable: close it)
     */
    @Override
    protected void doStart() {
        client.getConnectionStateListenable().addListener(connectionListener, events);
        if (ownsClient) {
            client.start();
        }
        Clients.awaitFirstConnection(client, config, "node " + nodeId() + " (election)");
        runOnEvents(this::startNewLatch);
        LOG.info("node {} joined ZooKeeper election at {}", nodeId(), config.latchPath());
    }

    /**
     * Round trip: LEADER only if the latch says so, the connection is up and the latch node's
     * ephemeral owner is our session. A node that is gone or foreign resets the latch (close,
     * then rejoin) before listeners hear NOT_LEADER. Blocks at most about twice the revalidate
     * timeout; no answer within it is UNKNOWN.
     */
    @Override
    public LeadershipState revalidate() {
        if (isClosed() || !isStarted()) {
            return isClosed() ? LeadershipState.NOT_LEADER : LeadershipState.UNKNOWN;
        }
        LeaderLatch current = latch;
        if (current == null || !current.hasLeadership()) {
            return decide(() -> decideFromLatch(current, "latch is not leader"));
        }
        String ourPath = current.getOurPath();
        Stat stat;
        try {
            stat = ourPath == null ? null : Clients.stat(client, ourPath, config.revalidateTimeout());
        } catch (Clients.NoAnswer e) {
            LOG.warn("node {} cannot revalidate leadership: {}", nodeId(), e.getMessage());
            // Only a LEADER is downgraded: an event handled meanwhile (LOST -> NOT_LEADER) is
            // newer knowledge than a round trip that started before it and never came back.
            return decide(() -> states.get() == LeadershipState.LEADER
                    ? states.set(LeadershipState.UNKNOWN, "revalidation did not answer")
                    : states.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LeadershipState.UNKNOWN;
        }
        long session = Clients.sessionId(client);
        if (stat == null || stat.getEphemeralOwner() != session) {
            String why = stat == null ? "latch node " + ourPath + " is gone"
                    : "latch node " + ourPath + " is owned by session 0x" + Long.toHexString(stat.getEphemeralOwner())
                            + ", not ours 0x" + Long.toHexString(session);
            return decide(() -> {
                if (latch == current) {
                    resetLatch(why);
                }
                return states.set(LeadershipState.NOT_LEADER, why);
            });
        }
        return decide(() -> decideFromLatch(current, "latch node owned by our session"));
    }

    /** @return the participant id holding the latch (a round trip; empty when unknown) */
    @Override
    public Optional<String> currentLeader() {
        LeaderLatch current = latch;
        if (current == null) {
            return Optional.empty();
        }
        try {
            Participant p = current.getLeader();
            return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
        } catch (Exception e) {
            LOG.debug("node {} cannot read the latch leader", nodeId(), e);
            return Optional.empty();
        }
    }

    /** Runs after the state became NOT_LEADER: the latch (and its node) goes, then the threads. */
    @Override
    protected void doClose() {
        if (isStarted()) {
            client.getConnectionStateListenable().removeListener(connectionListener);
            runOnEvents(() -> {
                closeLatch(latch);
                latch = null;
            });
        }
        Executors2.stop(events, false, "ZooKeeper event thread of node " + nodeId());
        if (ownsClient) {
            client.close();
        }
        LOG.info("node {} left ZooKeeper election", nodeId());
    }

    /**
     * A cached LEADER counts only while the ZooKeeper handle is connected right now: an expired
     * or dropped session shows in the handle's state at once, while the events that move the
     * state travel through Curator's queues (measured: up to ~100 ms, long enough for another
     * node to be granted the latch in between).
     */
    @Override
    protected boolean leaderStillPlausible() {
        try {
            return client.getZookeeperClient().isConnected()
                    && client.getZookeeperClient().getZooKeeper().getState().isConnected();
        } catch (Exception e) {
            return false;
        }
    }

    /** For tests: the current latch node path, or null. */
    String latchNodePath() {
        LeaderLatch l = latch;
        return l == null ? null : l.getOurPath();
    }

    // --- event thread ---

    private void onConnectionState(ConnectionState s) {
        MDC.put("node", nodeId());
        try {
            switch (s) {
                case SUSPENDED -> states.set(LeadershipState.UNKNOWN, "ZooKeeper connection suspended");
                case LOST -> {
                    resetLatch("ZooKeeper session lost");
                    states.set(LeadershipState.NOT_LEADER, "ZooKeeper session lost");
                }
                case CONNECTED, RECONNECTED -> decideFromLatch(latch, "ZooKeeper " + s);
                default -> LOG.debug("node {} ZooKeeper state {}", nodeId(), s);
            }
        } finally {
            MDC.remove("node");
        }
    }

    private LeadershipState decideFromLatch(LeaderLatch which, String reason) {
        if (isClosed()) {
            return LeadershipState.NOT_LEADER;
        }
        if (which == null || which != latch) {
            return states.get(); // an event of a latch we already replaced
        }
        if (!client.getZookeeperClient().isConnected()) {
            // Suspended (or never connected): never claim leadership without a connection.
            return states.set(LeadershipState.UNKNOWN, reason + ", not connected");
        }
        return states.set(which.hasLeadership() ? LeadershipState.LEADER : LeadershipState.NOT_LEADER, reason);
    }

    private void startNewLatch() {
        if (isClosed()) {
            return;
        }
        LeaderLatch l = new LeaderLatch(client, config.latchPath(), nodeId());
        l.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                MDC.put("node", nodeId());
                try {
                    decideFromLatch(l, "latch granted leadership");
                } finally {
                    MDC.remove("node");
                }
            }

            @Override
            public void notLeader() {
                MDC.put("node", nodeId());
                try {
                    decideFromLatch(l, "latch revoked leadership");
                } finally {
                    MDC.remove("node");
                }
            }
        }, events);
        latch = l;
        try {
            l.start();
        } catch (Exception e) {
            LOG.warn("node {} cannot start leader latch", nodeId(), e);
        }
    }

    /** Close the current latch first (its node goes), then join again with a fresh one. */
    private void resetLatch(String why) {
        LOG.info("node {} resets its leader latch: {}", nodeId(), why);
        closeLatch(latch);
        startNewLatch();
    }

    private void closeLatch(LeaderLatch l) {
        if (l == null) {
            return;
        }
        try {
            l.close();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("node {} closing leader latch", nodeId(), e);
        }
    }

    private void runOnEvents(Runnable r) {
        decide(() -> {
            r.run();
            return states.get();
        });
    }

    /** Runs a decision on the event thread so it is ordered with every event; bounded wait. */
    private LeadershipState decide(java.util.concurrent.Callable<LeadershipState> decision) {
        Future<LeadershipState> f;
        try {
            f = events.submit(decision);
        } catch (RejectedExecutionException e) {
            return LeadershipState.NOT_LEADER; // closed
        }
        try {
            return f.get(config.revalidateTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LeadershipState.UNKNOWN;
        } catch (ExecutionException e) {
            LOG.warn("node {} leadership decision failed", nodeId(), e.getCause());
            return states.set(LeadershipState.UNKNOWN, "decision failed");
        } catch (TimeoutException e) {
            return states.get() == LeadershipState.LEADER ? LeadershipState.UNKNOWN : states.get();
        }
    }
}
