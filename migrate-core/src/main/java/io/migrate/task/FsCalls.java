package io.migrate.task;

import io.migrate.internal.NamedThreadFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the filesystem calls of one {@link DirectoryTaskStore} and watches those still running.
 *
 * <p>A call blocked in the kernel (a hung NFS or CephFS mount, an MDS waiting for another client's
 * capabilities) cannot be abandoned from Java: the thread stays blocked until the kernel returns.
 * What the store can do is never block <em>silently</em>: a shared daemon watchdog
 * ({@code migrate-fs-watchdog}) looks at every call in flight once a second and logs, at WARN, each
 * call older than the deadline with the operation, the path and the blocked thread's stack, again
 * every further deadline; a call that returns after more than the slow threshold (1 s) is counted
 * ({@link DirectoryTaskStore#slowCalls()}) and logged when it returns.
 *
 * <p>Thread-safety: any thread may begin and end calls; the watchdog only reads them.
 */
final class FsCalls {
    private static final Logger log = LoggerFactory.getLogger(FsCalls.class);
    private static final long SLOW_NANOS = Duration.ofSeconds(1).toNanos();
    /** Calls in flight of every store in this JVM; the watchdog scans them. */
    private static final Set<Call> IN_FLIGHT = ConcurrentHashMap.newKeySet();

    static {
        // one per JVM, owns nothing: a daemon (the factory's threads are), dies with the JVM
        Thread t = new NamedThreadFactory("fs-watchdog").newThread(FsCalls::watch);
        t.start();
    }

    private final long deadlineNanos;
    private final AtomicLong slow = new AtomicLong();
    private final AtomicLong longestNanos = new AtomicLong();

    FsCalls(Duration deadline) {
        this.deadlineNanos = deadline.toNanos();
    }

    /** Starts timing one call; close the result when the call returns (try-with-resources). */
    Call begin(String operation, Path path) {
        Call c = new Call(this, operation, path, Thread.currentThread(), System.nanoTime());
        IN_FLIGHT.add(c);
        return c;
    }

    /** @return calls that took more than a second since the store was built */
    long slowCount() {
        return slow.get();
    }

    /** @return the longest call so far */
    Duration longest() {
        return Duration.ofNanos(longestNanos.get());
    }

    private void ended(Call c, long nanos) {
        longestNanos.accumulateAndGet(nanos, Math::max);
        if (nanos >= SLOW_NANOS) {
            slow.incrementAndGet();
            log.warn("filesystem call {} {} took {} ms", c.operation, c.path, nanos / 1_000_000);
        }
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(1000); // a poll period, not synchronisation: the watchdog only reports
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = System.nanoTime();
            for (Call c : IN_FLIGHT) {
                long age = now - c.startNanos;
                long deadline = c.owner.deadlineNanos;
                if (age >= deadline && now - c.lastWarned >= deadline) {
                    c.lastWarned = now;
                    StringBuilder stack = new StringBuilder();
                    for (StackTraceElement e : c.thread.getStackTrace()) {
                        stack.append("\n\tat ").append(e);
                    }
                    log.warn("filesystem call {} {} blocked for {} s on thread {} (deadline {} s): the mount may be"
                            + " hung or the server waiting for another client{}", c.operation, c.path,
                            age / 1_000_000_000L, c.thread.getName(), deadline / 1_000_000_000L, stack);
                }
            }
        }
    }

    /** One call in flight. */
    static final class Call implements AutoCloseable {
        private final FsCalls owner;
        private final String operation;
        private final Path path;
        private final Thread thread;
        private final long startNanos;
        /** Written by the watchdog only. */
        private volatile long lastWarned;

        private Call(FsCalls owner, String operation, Path path, Thread thread, long startNanos) {
            this.owner = owner;
            this.operation = operation;
            this.path = path;
            this.thread = thread;
            this.startNanos = startNanos;
            this.lastWarned = startNanos;
        }

        @Override
        public void close() {
            IN_FLIGHT.remove(this);
            owner.ended(this, System.nanoTime() - startNanos);
        }
    }
}
