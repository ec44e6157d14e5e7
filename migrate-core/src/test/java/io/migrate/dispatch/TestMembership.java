package io.migrate.dispatch;

import io.migrate.ha.spi.Membership;
import io.migrate.ha.spi.MembershipListener;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A membership whose live set the test sets; isAlive can be answered by a hook. */
public final class TestMembership implements Membership {
    private volatile Set<String> live = Set.of();
    private volatile Set<String> known = Set.of();
    private volatile Predicate<String> isAliveHook;
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    /** How often heartbeat() was called. */
    public final AtomicInteger heartbeats = new AtomicInteger();

    /** @param nodes the live nodes; they become known too; listeners hear of it */
    public void setLive(String... nodes) {
        live = Set.of(nodes);
        Set<String> k = new TreeSet<>(known);
        k.addAll(live);
        known = Set.copyOf(k);
        listeners.forEach(l -> l.onMembershipChange(live));
    }

    /** @param hook answers isAlive() from now on (fresh check), null to answer from the live set */
    public void onIsAlive(Predicate<String> hook) {
        this.isAliveHook = hook;
    }

    @Override
    public void start() {
    }

    @Override
    public Set<String> liveNodes() {
        return live;
    }

    @Override
    public Set<String> knownNodes() {
        return known;
    }

    @Override
    public boolean isAlive(String nodeId) {
        Predicate<String> h = isAliveHook;
        return h != null ? h.test(nodeId) : live.contains(nodeId);
    }

    @Override
    public void heartbeat() {
        heartbeats.incrementAndGet();
    }

    @Override
    public void addListener(MembershipListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(MembershipListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
    }
}
