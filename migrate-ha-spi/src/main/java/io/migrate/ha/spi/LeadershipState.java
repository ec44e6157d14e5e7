package io.migrate.ha.spi;

/**
 * What a {@link LeaderElection} knows about this node's leadership.
 *
 * <p>Only {@link #LEADER} allows leader-side mutations (dispatch, reclaim). {@link #UNKNOWN}
 * (connection suspended, command timed out, VIP state unclear) must be treated like
 * {@link #NOT_LEADER} for every mutation: stop at once.
 */
public enum LeadershipState {
    /** This node leads, as far as the backend can tell right now. */
    LEADER,
    /** Another node leads, or none does, and this node knows it is not the leader. */
    NOT_LEADER,
    /** The backend cannot say; never act as leader. */
    UNKNOWN
}
