package io.migrate.dispatch.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for threads the library creates: named {@code migrate-<role>-N}, N counting
 * up per role in this JVM, daemon so a host that forgets {@code close()} can still exit.
 * Internal: not part of the public API.
 */
public final class NamedThreads {
    private static final Map<String, AtomicInteger> COUNTERS = new ConcurrentHashMap<>();

    private NamedThreads() {
    }

    /**
     * @param role the role, for example {@code dispatcher} or {@code worker-exec}
     * @return a factory of daemon threads named {@code migrate-<role>-N}
     */
    public static ThreadFactory factory(String role) {
        AtomicInteger counter = COUNTERS.computeIfAbsent(role, r -> new AtomicInteger());
        return runnable -> {
            Thread t = new Thread(runnable, "migrate-" + role + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
