package io.migrate.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names every thread the HA implementations create {@code migrate-<role>-N} so an operator can
 * tell them apart in a thread dump. Threads are daemons: a host that forgets {@code close()}
 * must still be able to exit.
 *
 * <p>Internal: not part of the API, may change without notice. Thread-safe.
 */
public final class NamedThreadFactory implements ThreadFactory {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String role;

    /** @param role the middle part of the name, e.g. {@code ha-notify} */
    public NamedThreadFactory(String role) {
        this.role = role;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, "migrate-" + role + "-" + SEQUENCE.incrementAndGet());
        t.setDaemon(true);
        return t;
    }
}
