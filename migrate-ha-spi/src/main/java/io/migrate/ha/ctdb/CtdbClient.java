package io.migrate.ha.ctdb;

import io.migrate.ha.ctdb.CtdbConfig.LeaderCommand;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few {@code ctdb} questions we ask, each bounded by {@code -T} and a kill deadline, each
 * answering "unknown" (empty) for a timeout, a non-zero exit, a missing daemon or garbage.
 *
 * <p>Thread-safety: safe for concurrent use; the resolved leader command is published once.
 */
final class CtdbClient {
    private static final Logger LOG = LoggerFactory.getLogger(CtdbClient.class);
    /** Margin after {@code -T} before the process is killed: ctdb normally exits by itself. */
    private static final Duration KILL_MARGIN = Duration.ofMillis(500);

    private final CtdbConfig config;
    private final CommandRunner runner;
    private final String maxRuntime;
    /** AUTO until a probe decides; then LEADER or RECMASTER for good. */
    private volatile LeaderCommand leaderCommand;

    CtdbClient(CtdbConfig config, CommandRunner runner) {
        this.config = config;
        this.runner = runner;
        this.maxRuntime = Long.toString(Math.max(1, (config.timeout().toMillis() + 999) / 1000));
        this.leaderCommand = config.leaderCommand();
    }

    LeaderCommand leaderCommand() {
        return leaderCommand;
    }

    /** @return this node's PNN, or empty when ctdb cannot say */
    OptionalInt pnn() throws InterruptedException {
        CommandRunner.Result r = run("pnn");
        return r.ok() ? CtdbOutput.pnn(r.stdout()) : OptionalInt.empty();
    }

    /**
     * @return the leader's PNN, or empty for {@code UNKNOWN}, a timeout (an election is running),
     *     a non-zero exit or garbage
     */
    OptionalInt leader() throws InterruptedException {
        LeaderCommand cmd = leaderCommand;
        if (cmd == LeaderCommand.RECMASTER) {
            return leaderAnswer(run("recmaster"));
        }
        CommandRunner.Result r = run("leader");
        if (cmd == LeaderCommand.AUTO) {
            if (CtdbOutput.unknownCommand(r)) {
                LOG.info("this ctdb has no 'leader' command (before Samba 4.16); using 'recmaster'");
                leaderCommand = LeaderCommand.RECMASTER;
                return leaderAnswer(run("recmaster"));
            }
            if (r.ok()) {
                leaderCommand = LeaderCommand.LEADER; // it answered: the command exists
            }
        }
        return leaderAnswer(r);
    }

    private static OptionalInt leaderAnswer(CommandRunner.Result r) {
        // "UNKNOWN" with exit 0 (no leader broadcast yet) falls out as garbage: not a number.
        return r.ok() ? CtdbOutput.pnn(r.stdout()) : OptionalInt.empty();
    }

    /** @return true if {@code ctdb nodestatus} exits 0 (this node OK), false if not, empty if no answer */
    Optional<Boolean> thisNodeHealthy() throws InterruptedException {
        CommandRunner.Result r = run("nodestatus");
        if (r.timedOut() || r.exitCode() < 0) {
            return Optional.empty();
        }
        if (r.exitCode() == 0) {
            return Optional.of(true);
        }
        // Non-zero is the OR of the node's flags when the daemon answered (output "pnn:N ..."),
        // or a failure to talk to the daemon at all.
        return r.stdout().contains("pnn:") ? Optional.of(false) : Optional.empty();
    }

    /** @return every node's status, or empty when ctdb cannot say */
    Optional<List<CtdbOutput.NodeStatus>> nodeStatusAll() throws InterruptedException {
        CommandRunner.Result r = run("-X", "nodestatus", "all");
        if (r.timedOut()) {
            return Optional.empty();
        }
        // The exit code is the OR of all nodes' flags: any value is normal when the table parses.
        return CtdbOutput.nodeStatusAll(r.stdout());
    }

    private CommandRunner.Result run(String... args) throws InterruptedException {
        List<String> full = new java.util.ArrayList<>(List.of("-T", maxRuntime));
        full.addAll(List.of(args));
        CommandRunner.Result r = runner.run(full, config.timeout().plus(KILL_MARGIN));
        if (r.timedOut()) {
            LOG.debug("ctdb {} killed after {}", String.join(" ", args), config.timeout().plus(KILL_MARGIN));
        } else if (r.exitCode() != 0) {
            LOG.debug("ctdb {} exited {}: {}", String.join(" ", args), r.exitCode(), r.all().trim());
        }
        return r;
    }
}
