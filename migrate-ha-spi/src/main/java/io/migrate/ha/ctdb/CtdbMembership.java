package io.migrate.ha.ctdb;

import io.migrate.ha.internal.AbstractMembership;
import io.migrate.internal.Executors2;
import io.migrate.internal.NamedThreadFactory;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Membership from CTDB node flags ({@code ctdb -X nodestatus all}): a node is alive unless it is
 * DISCONNECTED, UNKNOWN, BANNED, UNHEALTHY, STOPPED or INACTIVE. DISABLED nodes count as alive
 * (they only give up public IPs). PNNs map to node ids by configuration.
 *
 * <p>Liveness here is "the node's ctdbd is a healthy cluster member", not "its worker makes
 * progress"; the reclaimer's stalled-task rule covers a stuck worker. When ctdb cannot answer
 * (timeout, daemon down), the last known state is kept and {@link #isAlive(String)} answers
 * from it: not knowing is no reason to reclaim a node's work.
 *
 * <p>Thread-safety: all methods may be called from any thread. Threads owned: the poller
 * ({@code migrate-ha-ctdb-members-N}) and the notifier ({@code migrate-ha-membership-N}).
 */
public final class CtdbMembership extends AbstractMembership {
    private static final Logger LOG = LoggerFactory.getLogger(CtdbMembership.class);

    private final CtdbConfig config;
    private final CtdbClient ctdb;
    private final ScheduledExecutorService poller =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("ha-ctdb-members"));
    /** Serialises poll-and-publish so events keep the order of the answers. */
    private final ReentrantLock refreshLock = new ReentrantLock();

    /** @param config validated configuration; runs the real {@code ctdb} command */
    public CtdbMembership(CtdbConfig config) {
        this(config, new ProcessCommandRunner(config.command(), config.environment()));
    }

    CtdbMembership(CtdbConfig config, CommandRunner runner) {
        super(config.nodes().values());
        this.config = config;
        this.ctdb = new CtdbClient(config, runner);
    }

    @Override
    protected void doStart() {
        poller.scheduleWithFixedDelay(this::pollSafely, 0, config.pollInterval().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void pollSafely() {
        MDC.put("node", config.nodeId());
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("ctdb membership poll failed", e);
        } finally {
            MDC.remove("node");
        }
    }

    /** @return whether ctdb answered */
    boolean refresh() {
        refreshLock.lock(); // held across the command: one poll at a time, answers in order
        try {
            Optional<List<CtdbOutput.NodeStatus>> status;
            try {
                status = ctdb.nodeStatusAll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (status.isEmpty()) {
                LOG.debug("ctdb nodestatus gave no answer; keeping live nodes {}", liveNodes());
                return false;
            }
            Set<String> alive = new TreeSet<>();
            Set<String> all = new TreeSet<>();
            for (CtdbOutput.NodeStatus s : status.get()) {
                String id = config.idOf(s.pnn());
                all.add(id);
                if (s.alive()) {
                    alive.add(id);
                }
            }
            saw(all);
            publish(alive);
            return true;
        } finally {
            refreshLock.unlock();
        }
    }

    /** Runs {@code ctdb nodestatus all} now; if it cannot answer, the last known state decides. */
    @Override
    public boolean isAlive(String node) {
        Objects.requireNonNull(node, "node");
        if (!refresh()) {
            LOG.warn("ctdb could not answer whether {} is alive; using the last known state", node);
        }
        return liveNodes().contains(node);
    }

    @Override
    protected void doClose() {
        Executors2.stop(poller, true, "ctdb membership poller");
    }
}
