package io.migrate.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Bounded shutdown of the executors the HA implementations own. Internal: not API. */
public final class Executors2 {
    private static final Logger LOG = LoggerFactory.getLogger(Executors2.class);
    /** How long {@code close()} waits for an owned thread. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private Executors2() {
    }

    /**
     * Stops the executor and waits at most {@link #STOP_WAIT}; keeps the interrupt flag.
     *
     * @param executor the executor
     * @param interrupt interrupt running work (a poller) instead of letting it finish (events)
     * @param what for the log when it does not stop in time
     */
    public static void stop(ExecutorService executor, boolean interrupt, String what) {
        if (interrupt) {
            executor.shutdownNow();
        } else {
            executor.shutdown();
        }
        try {
            if (!executor.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
                LOG.warn("{} did not stop within {}", what, STOP_WAIT);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
