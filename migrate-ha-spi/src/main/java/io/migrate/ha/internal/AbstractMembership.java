package io.migrate.ha.internal;

import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipListener;
import io.migrate.internal.Lifecycle;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every {@link Membership} here shares: the published live set with its listeners
 * ({@link LiveNodes}), the nodes seen so far, and a start-once / close-once lifecycle.
 *
 * <p>Internal: not part of the API. Thread-safe.
 */
public abstract class AbstractMembership implements Membership {
    private final LiveNodes live = new LiveNodes();
    /** Every node configured or seen; only grows. */
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Lifecycle lifecycle = new Lifecycle("membership");

    /** @param configured nodes known before they are first seen */
    protected AbstractMembership(Collection<String> configured) {
        seen.addAll(configured);
    }

    /** Runs once, on the first {@link #start()}. */
    protected abstract void doStart();

    /** Runs once, on the first {@link #close()}, before the notifier stops. */
    protected abstract void doClose();

    /**
     * Starts observing once; later calls do nothing.
     *
     * @throws IllegalStateException if closed
     */
    @Override
    public final void start() {
        if (lifecycle.start()) {
            doStart();
        }
    }

    /** @return the last published live set (immutable, possibly one poll old) */
    @Override
    public final Set<String> liveNodes() {
        return live.get();
    }

    @Override
    public Set<String> knownNodes() {
        return Set.copyOf(seen);
    }

    /**
     * Records the nodes now alive (and as seen); listeners hear of a change.
     *
     * @param alive the live set
     */
    protected final void publish(Set<String> alive) {
        seen.addAll(alive);
        live.set(alive);
    }

    /** @param nodes nodes seen, alive or not */
    protected final void saw(Collection<String> nodes) {
        seen.addAll(nodes);
    }

    @Override
    public final void addListener(MembershipListener listener) {
        live.add(listener);
    }

    @Override
    public final void removeListener(MembershipListener listener) {
        live.remove(listener);
    }

    @Override
    public final void close() {
        if (!lifecycle.close()) {
            return;
        }
        try {
            doClose();
        } finally {
            live.close();
        }
    }

    /** @return whether {@link #start()} ran */
    protected final boolean isStarted() {
        return lifecycle.wasStarted();
    }

    /** @return whether {@link #close()} was called */
    protected final boolean isClosed() {
        return lifecycle.isClosed();
    }
}
