package io.migrate.move.internal;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.internal.NamedThreadFactory;
import io.migrate.transport.Disposition;
import io.migrate.transport.EndpointHealth.State;
import io.migrate.transport.EndpointHealth;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The health of a transport's endpoints. Mover threads take an endpoint out as soon as it
 * answers FAILOVER; the heartbeat thread ({@code migrate-mover-heartbeat-N}) checks every
 * endpoint each interval with {@link Transport#checkHealth} and puts recovered ones back.
 *
 * <p>Three answers are told apart, because they call for different things:
 * <ul>
 *   <li>healthy: {@link State#UP}, in rotation;
 *   <li>unreachable or unwell (any FAILOVER or RETRY answer): {@link State#DOWN}, out of
 *       rotation, mover threads wait for it, at most one {@code endpointWait} per outage;
 *   <li>reachable but the destination is unusable (a PERMANENT {@code TARGET_NOT_FOUND},
 *       {@code ACCESS_DENIED} or {@code INVALID_CONFIGURATION}: bucket missing, credentials
 *       refused): {@link State#MISCONFIGURED}. Waiting cannot help, so when no endpoint is
 *       up, files fail at once with that code (permanent, no retry task) instead of waiting and
 *       ending as a retryable {@code ENDPOINTS_UNAVAILABLE}; and {@link #start()} refuses to
 *       start at all.
 * </ul>
 *
 * <p>Thread-safe. The heartbeat thread is owned by this object and stopped by {@link #close()};
 * it runs with the MDC of the thread that called {@link #start()} (the node id).
 */
public final class Endpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Endpoints.class);
    private static final Set<ErrorCode> MISCONFIGURATION = Set.of(ErrorCode.TARGET_NOT_FOUND,
            ErrorCode.ACCESS_DENIED, ErrorCode.INVALID_CONFIGURATION);

    private final Transport transport;
    private final List<String> ids;
    private final Clock clock;
    private final LongSupplier nanoTicker;
    /** The latest view of each endpoint; replaced whole (records), written by movers and the heartbeat. */
    private final Map<String, EndpointHealth> health = new ConcurrentHashMap<>();
    /**
     * The ticker's time when a mover thread first found no endpoint up in this outage,
     * {@link #NO_OUTAGE} while some endpoint is up: waits end one {@code endpointWait} after this, not after each
     * call, so a file (stat, upload, abort) or a task waits one {@code endpointWait}, not one per
     * call.
     */
    private final AtomicLong outageSince = new AtomicLong(NO_OUTAGE);
    private static final long NO_OUTAGE = Long.MIN_VALUE;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an endpoint comes back. */
    private final Condition up = lock.newCondition();
    private final ScheduledExecutorService heartbeat;
    private final Duration interval;

    /**
     * @param transport the transport whose endpoints are tracked
     * @param interval heartbeat period
     * @param threadRole role of the heartbeat thread, named {@code migrate-<role>-N}
     */
    public Endpoints(Transport transport, Duration interval, String threadRole) {
        this(transport, interval, threadRole, Clock.systemUTC(), System::nanoTime);
    }

    /**
     * @param transport the transport whose endpoints are tracked
     * @param interval heartbeat period
     * @param threadRole role of the heartbeat thread, named {@code migrate-<role>-N}
     * @param clock wall clock for the timestamps in {@link #health()}
     * @param nanoTicker monotonic time for the waits in {@link #choose}
     */
    public Endpoints(Transport transport, Duration interval, String threadRole, Clock clock, LongSupplier nanoTicker) {
        this.transport = transport;
        this.ids = List.copyOf(transport.endpoints());
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("transport has no endpoints");
        }
        this.interval = interval;
        this.clock = clock;
        this.nanoTicker = nanoTicker;
        for (String id : ids) {
            health.put(id, new EndpointHealth(id, State.UNKNOWN, null, null, null, null));
        }
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory(threadRole));
        ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.heartbeat = ex;
    }

    /**
     * Checks every endpoint once on the caller's thread, then starts the heartbeat. Endpoints
     * that are down are only reported ({@link #health()}, one WARN each): they may come back.
     *
     * @throws TransportException PERMANENT with the endpoint's code if an endpoint answered that
     *     the destination itself is unusable (bucket missing, access denied): no file could
     *     succeed, so the node must not start; the heartbeat is not started then
     */
    public void start() {
        checkAll();
        for (String id : ids) {
            EndpointHealth h = health.get(id);
            if (h.state() == State.MISCONFIGURED) {
                throw new TransportException(Disposition.PERMANENT, h.lastErrorCode(), h.lastError(), null);
            }
        }
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        long ms = interval.toMillis();
        heartbeat.scheduleWithFixedDelay(() -> withMdc(mdc, this::checkAll), ms, ms, TimeUnit.MILLISECONDS);
    }

    private static void withMdc(Map<String, String> mdc, Runnable r) {
        if (mdc != null) {
            MDC.setContextMap(mdc);
        }
        try {
            r.run();
        } finally {
            MDC.clear();
        }
    }

    /** @return every endpoint id, in the transport's order */
    public List<String> ids() {
        return ids;
    }

    /**
     * @param id an endpoint
     * @return whether it is in rotation (up, or not checked yet)
     */
    public boolean healthy(String id) {
        State s = health.get(id).state();
        return s == State.UP || s == State.UNKNOWN;
    }

    /** @return a snapshot of every endpoint, in the transport's order */
    public List<EndpointHealth> health() {
        return ids.stream().map(health::get).toList();
    }

    /**
     * Takes an endpoint out of rotation until the heartbeat finds it healthy again.
     *
     * @param id the endpoint
     * @param why the failure, for the log and {@link #health()}
     */
    public void markDown(String id, Throwable why) {
        ErrorCode code = why instanceof MigrateException me ? me.code() : ErrorCode.TRANSPORT_FAILED;
        transition(id, State.DOWN, code, sentence(why));
    }

    /** Checks every endpoint once (the heartbeat's tick; also callable directly). */
    public void checkAll() {
        for (String id : ids) {
            try {
                transport.checkHealth(id);
                transition(id, State.UP, null, null);
            } catch (TransportException e) {
                boolean misconfigured = e.disposition() == Disposition.PERMANENT && MISCONFIGURATION.contains(e.code());
                transition(id, misconfigured ? State.MISCONFIGURED : State.DOWN, e.code(), sentence(e));
            } catch (RuntimeException e) {
                markDown(id, e);
            }
        }
    }

    /** The failure's sentence without the code prefix {@link MigrateException#getMessage()} may add. */
    private static String sentence(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return t.toString();
        }
        if (t instanceof MigrateException me && m.startsWith(me.code() + ": ")) {
            return m.substring(me.code().name().length() + 2);
        }
        return m;
    }

    /** One WARN (or INFO when it recovers) per change of state, never one per check. */
    private void transition(String id, State to, ErrorCode code, String error) {
        Instant now = clock.instant();
        EndpointHealth[] was = new EndpointHealth[1];
        EndpointHealth now2 = health.compute(id, (k, old) -> {
            was[0] = old;
            boolean same = old.state() == to;
            return new EndpointHealth(id, to, same ? old.since() : now, now,
                    code != null ? code : old.lastErrorCode(), error != null ? error : old.lastError());
        });
        State from = was[0].state();
        if (from == to) {
            return;
        }
        switch (to) {
            case UP -> {
                if (from == State.UNKNOWN) {
                    log.debug("endpoint {} healthy", id);
                } else {
                    log.info("endpoint {} healthy again, back in rotation (was {} since {})", id, from, was[0].since());
                }
                outageSince.set(NO_OUTAGE);
                lock.lock();
                try {
                    up.signalAll();
                } finally {
                    lock.unlock();
                }
            }
            case DOWN -> log.warn("endpoint {} taken out of rotation: {}", id, now2.lastError());
            case MISCONFIGURED -> log.error("endpoint {} answers that the destination is unusable, files fail with {}: {}",
                    id, code, error);
            default -> {
            }
        }
    }

    /**
     * Chooses an endpoint for a mover thread: its preferred one ({@code index} modulo the count)
     * when healthy, else the next healthy one in ring order, waiting for one to come back.
     *
     * @param index the mover thread's index
     * @param wait the longest wait for a healthy endpoint, counted from the start of the outage
     *     (the first time any thread found none up), so repeated calls during one outage do not
     *     each wait again
     * @param cancelled polled while waiting
     * @return a healthy endpoint id
     * @throws InterruptedException if interrupted while waiting
     * @throws TransportException PERMANENT with the endpoint's code when no endpoint is up and one
     *     reports the destination unusable (bucket missing, access denied)
     * @throws MigrateException {@code ENDPOINTS_UNAVAILABLE} after {@code wait}, {@code CANCELLED}
     *     when cancelled while waiting
     */
    public String choose(int index, Duration wait, BooleanSupplier cancelled) throws InterruptedException {
        while (true) {
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get((index + i) % ids.size());
                if (healthy(id)) {
                    return id;
                }
            }
            for (String id : ids) {
                EndpointHealth h = health.get(id);
                if (h.state() == State.MISCONFIGURED) {
                    throw new TransportException(Disposition.PERMANENT, h.lastErrorCode(), h.lastError(), null);
                }
            }
            if (cancelled.getAsBoolean()) {
                throw new MigrateException(ErrorCode.CANCELLED, "cancelled while waiting for a healthy endpoint");
            }
            long now = nanoTicker.getAsLong();
            outageSince.compareAndSet(NO_OUTAGE, now);
            long since = outageSince.get();
            long left = since == NO_OUTAGE ? 1 : since + wait.toNanos() - now;
            if (left <= 0) {
                throw new MigrateException(ErrorCode.ENDPOINTS_UNAVAILABLE,
                        "no healthy endpoint within " + wait + ": " + describe());
            }
            lock.lock();
            try {
                // short slices: cancellation and a recovery between check and await are both seen
                up.await(Math.max(1, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50))), TimeUnit.NANOSECONDS);
            } finally {
                lock.unlock();
            }
        }
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (EndpointHealth h : health()) {
            sb.append(sb.length() == 0 ? "" : "; ").append(h.endpointId()).append(' ').append(h.state());
            if (h.lastError() != null) {
                sb.append(" (").append(h.lastError()).append(')');
            }
        }
        return sb.toString();
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
