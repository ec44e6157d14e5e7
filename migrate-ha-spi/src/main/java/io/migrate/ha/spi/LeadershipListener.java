package io.migrate.ha.spi;

/**
 * Receives leadership state changes. Calls arrive one at a time, in order, on a thread owned by
 * the {@link LeaderElection}; an implementation must return quickly (hand work to its own
 * thread) because it delays later notifications.
 */
@FunctionalInterface
public interface LeadershipListener {
    /**
     * @param previous the state before the change
     * @param current the new state
     */
    void onLeadershipChange(LeadershipState previous, LeadershipState current);
}
