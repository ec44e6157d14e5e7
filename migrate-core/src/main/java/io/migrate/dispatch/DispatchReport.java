package io.migrate.dispatch;

/**
 * What one dispatcher tick did.
 *
 * @param epoch the leader epoch the tick ran under, 0 if it did not run as leader
 * @param dispatched tasks moved from pending to an inbox
 * @param unplaceable eligible pending tasks left in pending (no live node under the threshold or
 *     inbox cap, or the tick was stopped)
 * @param lostRaces moves that found the task gone (another leader or a reclaim moved it first)
 * @param stopped whether the tick stopped early because leadership or the epoch was lost
 */
public record DispatchReport(long epoch, int dispatched, int unplaceable, int lostRaces, boolean stopped) {
    static final DispatchReport NOT_LEADER = new DispatchReport(0, 0, 0, 0, true);
}
