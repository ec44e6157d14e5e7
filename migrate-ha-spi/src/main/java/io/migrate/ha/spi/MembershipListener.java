package io.migrate.ha.spi;

import java.util.Set;

/**
 * Receives changes of the set of live nodes. Calls arrive one at a time, in order, on a thread
 * owned by the {@link Membership}; return quickly.
 */
@FunctionalInterface
public interface MembershipListener {
    /**
     * @param live the nodes now considered alive (immutable)
     */
    void onMembershipChange(Set<String> live);
}
