package io.migrate.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: runs a tick body periodically on one thread (owned, or the host's scheduler) and on demand
 * ({@link #trigger()}, coalesced). A failing tick is logged and the schedule goes on.
 * Ticks never overlap when the scheduler is the owned single thread.
 */
public final class Periodic implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Periodic.class);

    private final String role;
    private final Duration period;
    private final Runnable body;
    private final ScheduledExecutorService executor;
    private final boolean owned;
    private final AtomicBoolean triggered = new AtomicBoolean();
    private final Lifecycle lifecycle;
    private volatile ScheduledFuture<?> schedule;

    /**
     * @param role thread role ({@code migrate-<role>-N}) and log label
     * @param period delay between the end of one run and the start of the next
     * @param body the tick
     * @param hostExecutor the host's scheduler, or null to own one thread
     */
    public Periodic(String role, Duration period, Runnable body, ScheduledExecutorService hostExecutor) {
        this.role = role;
        this.period = period;
        this.body = body;
        this.owned = hostExecutor == null;
        this.lifecycle = new Lifecycle("migrate-" + role);
        this.executor = owned ? Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory(role)) : hostExecutor;
    }

    /**
     * Schedules the first run now and then every period. A second call does nothing.
     *
     * @throws IllegalStateException if closed
     */
    public void start() {
        if (!lifecycle.start()) {
            return;
        }
        ScheduledFuture<?> s = executor.scheduleWithFixedDelay(this::safeRun, 0, period.toNanos(), TimeUnit.NANOSECONDS);
        schedule = s;
        if (lifecycle.isClosed()) {
            s.cancel(true); // closed while we scheduled: close() may have missed it
        }
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return lifecycle.isClosed();
    }

    /** Runs the body soon on the tick thread; several triggers before it runs count once. */
    public void trigger() {
        if (lifecycle.state() != Lifecycle.State.STARTED || !triggered.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                triggered.set(false);
                safeRun();
            });
        } catch (RejectedExecutionException e) {
            triggered.set(false);
        }
    }

    private void safeRun() {
        if (lifecycle.isClosed()) {
            return;
        }
        try {
            body.run();
        } catch (RuntimeException e) {
            LOG.warn("{} tick failed; the next tick tries again", role, e);
        }
    }

    /** Stops the schedule and, if owned, the thread (bounded wait, see {@link Executors2#STOP_WAIT}). Idempotent. */
    @Override
    public void close() {
        stop();
    }

    /**
     * {@link #close()} that says whether this call closed it, for an owner that has more to do
     * exactly once.
     *
     * @return true for the one call that closed it
     */
    public boolean stop() {
        if (!lifecycle.close()) {
            return false;
        }
        ScheduledFuture<?> s = schedule;
        if (s != null) {
            s.cancel(true);
        }
        if (owned) {
            Executors2.stop(executor, true, "migrate-" + role + " thread");
        }
        return true;
    }
}
