package io.migrate.ha.ctdb;

import io.migrate.ha.internal.PolledLeaderElection;
import io.migrate.ha.spi.LeadershipState;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Leadership from CTDB: this node leads when {@code ctdb pnn} equals the cluster leader
 * ({@code ctdb -T <timeout> leader}, or {@code recmaster} before Samba 4.16) and
 * {@code ctdb nodestatus} exits 0 for this node. Polled every poll interval and on
 * {@link #revalidate()}.
 *
 * <p>Any doubt is UNKNOWN and never LEADER: {@code leader} printing {@code UNKNOWN}, a timeout
 * (ctdb blocks during an election; the process is killed), a non-zero exit, a missing daemon or
 * unparsable output. This node being unhealthy, banned or stopped is NOT_LEADER.
 *
 * <p>CTDB has no majority quorum: without a cluster lock (recovery lock) two partitions can each
 * elect a leader. The task root's epochs and rename protocol keep that safe (see
 * {@code docs/high-availability.md}).
 *
 * <p>Thread-safety: all methods may be called from any thread. Threads owned: the poller
 * ({@code migrate-ha-ctdb-N}) and the notifier. {@link #close()} is idempotent and bounded.
 */
public final class CtdbLeaderElection extends PolledLeaderElection {
    private final CtdbConfig config;
    private final CtdbClient ctdb;
    /** This node's PNN once known (it never changes while the daemon runs with the same nodes file). */
    private volatile OptionalInt pnn = OptionalInt.empty();
    private volatile OptionalInt lastLeader = OptionalInt.empty();

    /** @param config validated configuration; runs the real {@code ctdb} command */
    public CtdbLeaderElection(CtdbConfig config) {
        this(config, new ProcessCommandRunner(config.command(), config.environment()));
    }

    CtdbLeaderElection(CtdbConfig config, CommandRunner runner) {
        super(config.nodeId(), config.pollInterval(), "ha-ctdb");
        this.config = config;
        this.ctdb = new CtdbClient(config, runner);
    }

    @Override
    protected LeadershipState check() {
        try {
            OptionalInt me = pnn;
            if (me.isEmpty()) {
                me = ctdb.pnn();
                if (me.isEmpty()) {
                    return LeadershipState.UNKNOWN;
                }
                pnn = me;
            }
            OptionalInt leader = ctdb.leader();
            lastLeader = leader;
            if (leader.isEmpty()) {
                return LeadershipState.UNKNOWN;
            }
            if (leader.getAsInt() != me.getAsInt()) {
                return LeadershipState.NOT_LEADER;
            }
            Optional<Boolean> healthy = ctdb.thisNodeHealthy();
            if (healthy.isEmpty()) {
                return LeadershipState.UNKNOWN;
            }
            return healthy.get() ? LeadershipState.LEADER : LeadershipState.NOT_LEADER;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LeadershipState.UNKNOWN;
        }
    }

    /** @return the node id of the leader seen at the last check, if it answered */
    @Override
    public Optional<String> currentLeader() {
        OptionalInt l = lastLeader;
        return l.isPresent() ? Optional.of(config.idOf(l.getAsInt())) : Optional.empty();
    }

    /** For tests: the leader command in use after probing. */
    CtdbConfig.LeaderCommand leaderCommandInUse() {
        return ctdb.leaderCommand();
    }
}
