package io.migrate.ha.internal;

import io.migrate.ha.spi.MembershipListener;
import io.migrate.internal.Lifecycle;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live set of one membership plus its listeners: every change is logged at INFO and
 * delivered once, in order, from one notifier thread ({@code migrate-ha-membership-N}).
 *
 * <p>Internal: not part of the API. Thread-safe: the compare-and-publish is atomic, so listeners
 * see changes in the order {@link #get()} does.
 */
public final class LiveNodes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveNodes.class);

    private final SerialNotifier<MembershipListener> notifier = new SerialNotifier<>("ha-membership");
    /** Guards compare-and-publish of {@link #live}; never held across I/O. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Set<String> live = Set.of();
    /** Runs from construction; {@link #close()} ends it (one state, one CAS). */
    private final Lifecycle lifecycle = Lifecycle.started("live nodes");

    /** @return the last published live set (immutable) */
    public Set<String> get() {
        return live;
    }

    /**
     * Publishes a new live set if it differs from the current one.
     *
     * @param next the nodes now alive
     */
    public void set(Set<String> next) {
        lock.lock();
        try {
            if (lifecycle.isClosed() || next.equals(live)) {
                return;
            }
            Set<String> after = Set.copyOf(next);
            LOG.info("live nodes changed: {} -> {}", new TreeSet<>(live), new TreeSet<>(after));
            live = after;
            notifier.publish(l -> l.onMembershipChange(after));
        } finally {
            lock.unlock();
        }
    }

    /** @param listener added */
    public void add(MembershipListener listener) {
        notifier.add(listener);
    }

    /** @param listener removed */
    public void remove(MembershipListener listener) {
        notifier.remove(listener);
    }

    /** Stops publishing; delivers what is queued, then stops the notifier. Idempotent. */
    @Override
    public void close() {
        // Under the lock: a set() that holds it finishes its publish before the notifier closes.
        lock.lock();
        try {
            if (!lifecycle.close()) {
                return;
            }
        } finally {
            lock.unlock();
        }
        notifier.close();
    }
}
