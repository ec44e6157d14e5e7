package io.migrate.dispatch;

import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of leader-side ownership changes, on the logger {@code io.migrate.audit}: one
 * INFO line per move with the leader epoch, so that the log of all leaders together tells who
 * moved what under which epoch. Lost races are logged at DEBUG (they are counted as metrics).
 */
final class Audit {
    static final Logger LOG = LoggerFactory.getLogger("io.migrate.audit");

    private Audit() {
    }

    static void moved(long epoch, TaskRef from, TaskState to, String toNode, String reason) {
        LOG.info("epoch={} task={} from={}{} to={}{} reason={}", epoch, from.taskId(), from.state(),
                from.node() == null ? "" : "/" + from.node(), to, toNode == null ? "" : "/" + toNode, reason);
    }

    static void lostRace(long epoch, TaskRef from, TaskState to, String toNode) {
        LOG.debug("epoch={} task={} lost race moving from={}{} to={}{}", epoch, from.taskId(), from.state(),
                from.node() == null ? "" : "/" + from.node(), to, toNode == null ? "" : "/" + toNode);
    }

    static void epochTaken(long epoch, String node) {
        LOG.info("epoch={} taken by node={}", epoch, node);
    }

    static void fenced(long epoch, long higher) {
        LOG.info("epoch={} fenced by epoch={}", epoch, higher);
    }
}
