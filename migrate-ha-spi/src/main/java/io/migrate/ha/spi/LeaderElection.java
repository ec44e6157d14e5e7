package io.migrate.ha.spi;

import java.util.Optional;

/**
 * Leader election SPI: tells whether this node is the one allowed to dispatch and reclaim.
 *
 * <p>Implementations: static configuration or a virtual IP, CTDB, ZooKeeper (Curator). Callers
 * must stop every leader-side mutation as soon as {@link #state()} is not
 * {@link LeadershipState#LEADER}, and call {@link #revalidate()} right before each batch of
 * moves. Leadership alone is not a fence: callers also take an epoch on the task root.
 *
 * <p>Thread-safety: all methods may be called from any thread. {@link #close()} is idempotent,
 * gives up leadership first and then stops every thread the implementation owns.
 */
public interface LeaderElection extends AutoCloseable {

    /** @return this node's id, as configured */
    String nodeId();

    /**
     * Joins the election. Returns without waiting to become leader.
     *
     * @throws io.migrate.error.MigrateException with {@code HA_UNAVAILABLE} if the backend
     *     cannot be reached at all and the implementation cannot start
     */
    void start();

    /**
     * The last known state, without I/O.
     *
     * @return the cached state; {@link LeadershipState#UNKNOWN} before {@link #start()}
     */
    LeadershipState state();

    /**
     * Asks the backend now (a round trip, a command, an address check) and returns the fresh
     * state; listeners hear of a change. Blocks at most the implementation's configured
     * timeout; a timeout yields {@link LeadershipState#UNKNOWN}.
     *
     * @return the fresh state
     */
    LeadershipState revalidate();

    /**
     * @return the id of the node believed to lead, if the backend tells
     */
    Optional<String> currentLeader();

    /**
     * Registers a listener. Notifications are delivered one at a time, in order.
     *
     * @param listener receives every later change
     */
    void addListener(LeadershipListener listener);

    /** @param listener a listener previously added; unknown ones are ignored */
    void removeListener(LeadershipListener listener);

    /** Leaves the election (leadership released first), stops owned threads. Idempotent. */
    @Override
    void close();
}
