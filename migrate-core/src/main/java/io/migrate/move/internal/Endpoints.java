package io.migrate.move.internal;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.transport.Transport;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of a transport's endpoints. Mover threads take an endpoint out as soon as it
 * answers FAILOVER; the heartbeat thread ({@code migrate-mover-heartbeat-N}) checks every
 * endpoint each interval with {@link Transport#checkHealth} and puts recovered ones back.
 *
 * <p>Thread-safe. The heartbeat thread is owned by this object and stopped by {@link #close()}.
 */
public final class Endpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Endpoints.class);

    private final Transport transport;
    private final List<String> ids;
    /** Endpoints currently out of rotation; written by mover threads and the heartbeat. */
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an endpoint comes back. */
    private final Condition up = lock.newCondition();
    private final ScheduledExecutorService heartbeat;
    private final Duration interval;

    /**
     * @param transport the transport whose endpoints are tracked
     * @param interval heartbeat period
     * @param threadName name of the heartbeat thread
     */
    public Endpoints(Transport transport, Duration interval, String threadName) {
        this.transport = transport;
        this.ids = List.copyOf(transport.endpoints());
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("transport has no endpoints");
        }
        this.interval = interval;
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.heartbeat = ex;
    }

    /** Starts the heartbeat. */
    public void start() {
        long ms = interval.toMillis();
        heartbeat.scheduleWithFixedDelay(this::checkAll, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** @return every endpoint id, in the transport's order */
    public List<String> ids() {
        return ids;
    }

    /**
     * @param id an endpoint
     * @return whether it is in rotation
     */
    public boolean healthy(String id) {
        return !down.contains(id);
    }

    /**
     * Takes an endpoint out of rotation until the heartbeat finds it healthy again.
     *
     * @param id the endpoint
     * @param why the failure, for the log
     */
    public void markDown(String id, Throwable why) {
        if (down.add(id)) {
            log.warn("endpoint {} taken out of rotation: {}", id, why.toString());
        }
    }

    /** Checks every endpoint once (the heartbeat's tick; also callable directly). */
    public void checkAll() {
        for (String id : ids) {
            try {
                transport.checkHealth(id);
                if (down.remove(id)) {
                    log.info("endpoint {} healthy again, back in rotation", id);
                    lock.lock();
                    try {
                        up.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (RuntimeException e) {
                markDown(id, e);
            }
        }
    }

    /**
     * Chooses an endpoint for a mover thread: its preferred one ({@code index} modulo the count)
     * when healthy, else the next healthy one in ring order, waiting for one to come back.
     *
     * @param index the mover thread's index
     * @param wait the longest wait for a healthy endpoint
     * @param cancelled polled while waiting
     * @return a healthy endpoint id
     * @throws InterruptedException if interrupted while waiting
     * @throws MigrateException {@code ENDPOINTS_UNAVAILABLE} after {@code wait}, {@code CANCELLED}
     *     when cancelled while waiting
     */
    public String choose(int index, Duration wait, BooleanSupplier cancelled) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get((index + i) % ids.size());
                if (!down.contains(id)) {
                    return id;
                }
            }
            if (cancelled.getAsBoolean()) {
                throw new MigrateException(ErrorCode.CANCELLED, "cancelled while waiting for a healthy endpoint");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new MigrateException(ErrorCode.ENDPOINTS_UNAVAILABLE,
                        "no healthy endpoint within " + wait + ", all down: " + down);
            }
            lock.lock();
            try {
                // short slices: cancellation and a recovery between check and await are both seen
                up.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Stops the heartbeat, waiting up to 5 s for a running check. Idempotent. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            if (!heartbeat.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("endpoint heartbeat did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
