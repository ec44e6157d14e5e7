package io.migrate.ha.internal;

import io.migrate.internal.Executors2;
import io.migrate.internal.NamedThreadFactory;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers listener notifications one at a time, in the order they were published, from one
 * named thread ({@code migrate-<role>-N}). A listener that throws is logged and does not stop
 * later notifications; a slow listener delays only later notifications, never the publisher.
 *
 * <p>Internal: not part of the API. Thread-safe: {@link #publish} may be called from any thread;
 * the order of deliveries is the order in which {@code publish} calls returned.
 *
 * @param <L> listener type
 */
public final class SerialNotifier<L> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SerialNotifier.class);

    private final List<L> listeners = new CopyOnWriteArrayList<>();
    /** One thread: that is what makes deliveries serial and ordered. */
    private final ExecutorService thread;

    /** @param role thread name role, e.g. {@code ha-notify} */
    public SerialNotifier(String role) {
        this.thread = Executors.newSingleThreadExecutor(new NamedThreadFactory(role));
    }

    /** @param listener added; receives every later notification */
    public void add(L listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @param listener removed; unknown ones are ignored */
    public void remove(L listener) {
        listeners.remove(listener);
    }

    /**
     * Queues one notification for every listener registered when it is delivered.
     *
     * @param call what to do with each listener
     */
    public void publish(Consumer<L> call) {
        try {
            thread.execute(() -> {
                for (L listener : listeners) {
                    try {
                        call.accept(listener);
                    } catch (RuntimeException e) {
                        LOG.warn("HA listener {} failed; later notifications continue", listener, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("notifier closed; notification dropped");
        }
    }

    /** Delivers what is queued, then stops the thread within {@link Executors2#STOP_WAIT}. Idempotent. */
    @Override
    public void close() {
        Executors2.stop(thread, false, "HA notifier");
    }
}
