package io.migrate.ha.spi;

import java.util.Set;

/**
 * Membership SPI: which backend nodes are alive, meaning their workers make progress.
 *
 * <p>Implementations: heartbeat files on the task root (default), ZooKeeper ephemeral nodes,
 * CTDB node status. A heartbeat is judged on the observer's own monotonic clock, so node
 * clocks need not agree.
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link #close()} is idempotent.
 */
public interface Membership extends AutoCloseable {

    /** Starts observing (and, for this node, announcing itself where the implementation does). */
    void start();

    /**
     * @return the nodes currently considered alive (immutable snapshot, may be cached)
     */
    Set<String> liveNodes();

    /**
     * @return every node this membership knows of, alive or not (immutable)
     */
    Set<String> knownNodes();

    /**
     * Asks fresh, not from a cache: used immediately before reclaiming a node's tasks.
     *
     * @param nodeId the node
     * @return whether the node is alive now
     */
    boolean isAlive(String nodeId);

    /**
     * Called by this node's worker each time it makes progress (and at least every heartbeat
     * interval while idle). Implementations that judge liveness by progress record it, for
     * example by incrementing a counter; others ignore it. Must not block for long.
     */
    default void heartbeat() {
    }

    /** @param listener receives every later change of the live set */
    void addListener(MembershipListener listener);

    /** @param listener a listener previously added */
    void removeListener(MembershipListener listener);

    /** Stops observing and announcing; idempotent. */
    @Override
    void close();
}
