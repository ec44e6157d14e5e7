package io.migrate.dispatch;

/**
 * What one reclaimer tick did.
 *
 * @param epoch the leader epoch the tick ran under, 0 if it did not run
 * @param reclaimedDead tasks taken back from dead nodes
 * @param reclaimedStalled running tasks taken back because their lease stopped moving
 * @param rebalanced inbox tasks moved off overloaded nodes
 * @param failed tasks moved to failed/ (too many reassignments or attempts, unreadable)
 * @param nodesCameBack dead-node reclaims abandoned because the node was alive again at the re-check
 * @param lostRaces moves that found the task already gone
 * @param inGrace whether the tick did nothing because leadership is younger than the grace period
 * @param stopped whether the tick stopped early because leadership or the epoch was lost
 */
public record ReclaimReport(
        long epoch,
        int reclaimedDead,
        int reclaimedStalled,
        int rebalanced,
        int failed,
        int nodesCameBack,
        int lostRaces,
        boolean inGrace,
        boolean stopped) {
    static final ReclaimReport NOT_LEADER = new ReclaimReport(0, 0, 0, 0, 0, 0, 0, false, true);
}
