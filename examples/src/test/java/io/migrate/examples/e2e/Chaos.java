package io.migrate.examples.e2e;

import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a fault action again and again at random intervals on its own thread
 * ({@code e2e-chaos}) until closed; the first exception stops it and is rethrown by
 * {@link #close()}. The intervals come from the scenario's seeded {@link Random}.
 */
final class Chaos implements AutoCloseable {
    /** A fault to inject. */
    interface Action {
        void run() throws Exception;
    }

    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "e2e-chaos");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Random random;
    private final long minMillis;
    private final long maxMillis;
    private final Action action;
    private volatile boolean stopped;

    private Chaos(Random random, long minMillis, long maxMillis, Action action) {
        this.random = new Random(random.nextLong());
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.action = action;
    }

    /** Starts injecting: first after one interval. */
    static Chaos every(Random random, long minMillis, long maxMillis, Action action) {
        Chaos c = new Chaos(random, minMillis, maxMillis, action);
        c.scheduleNext();
        return c;
    }

    private void scheduleNext() {
        if (!stopped) {
            exec.schedule(this::fire, minMillis + (long) (random.nextDouble() * (maxMillis - minMillis)),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void fire() {
        if (stopped) {
            return;
        }
        try {
            action.run();
            scheduleNext();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /**
     * Stops injecting, waits (60 s at most) for a running action, and rethrows its failure if one
     * failed. An interrupt while waiting is kept as the thread's flag.
     */
    @Override
    public void close() {
        stopped = true;
        exec.shutdown();
        try {
            if (!exec.awaitTermination(60, TimeUnit.SECONDS)) {
                exec.shutdownNow();
                throw new IllegalStateException("chaos action did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            exec.shutdownNow();
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("chaos action failed", t);
        }
    }
}
