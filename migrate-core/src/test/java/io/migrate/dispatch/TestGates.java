package io.migrate.dispatch;

import io.migrate.ha.spi.LeaderElection;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/** Gives tests outside this package a {@link LeaderGate} on a fake ticker (the seam is not API). */
public final class TestGates {
    private TestGates() {
    }

    /**
     * @param election the election
     * @param taskRoot the task root
     * @param config fenced backoff
     * @param nanoTicker the test's ticker
     * @return a gate on that ticker
     */
    public static LeaderGate gate(LeaderElection election, Path taskRoot, DispatchConfig config, LongSupplier nanoTicker) {
        return new LeaderGate(election, taskRoot, config, nanoTicker);
    }
}
