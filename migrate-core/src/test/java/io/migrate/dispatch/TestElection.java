package io.migrate.dispatch;

import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeadershipListener;
import io.migrate.ha.spi.LeadershipState;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A leader election whose state the test sets; listeners are called on the setting thread. */
public final class TestElection implements LeaderElection {
    private final String nodeId;
    private volatile LeadershipState state;
    private volatile Supplier<LeadershipState> revalidation;
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    /** How often revalidate() was asked. */
    public final AtomicInteger revalidations = new AtomicInteger();

    /**
     * @param nodeId id
     * @param initial starting state
     */
    public TestElection(String nodeId, LeadershipState initial) {
        this.nodeId = nodeId;
        this.state = initial;
    }

    /** @param s the new state; listeners hear of a change */
    public void set(LeadershipState s) {
        LeadershipState before = state;
        state = s;
        if (before != s) {
            listeners.forEach(l -> l.onLeadershipChange(before, s));
        }
    }

    /** @param r what revalidate() answers (and sets) from now on; null for the current state */
    public void onRevalidate(Supplier<LeadershipState> r) {
        this.revalidation = r;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void start() {
    }

    @Override
    public LeadershipState state() {
        return state;
    }

    @Override
    public LeadershipState revalidate() {
        revalidations.incrementAndGet();
        Supplier<LeadershipState> r = revalidation;
        if (r != null) {
            set(r.get());
        }
        return state;
    }

    @Override
    public Optional<String> currentLeader() {
        return state == LeadershipState.LEADER ? Optional.of(nodeId) : Optional.empty();
    }

    @Override
    public void addListener(LeadershipListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(LeadershipListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
    }
}
