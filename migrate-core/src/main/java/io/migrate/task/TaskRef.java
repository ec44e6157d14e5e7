package io.migrate.task;

import java.util.Objects;

/**
 * A pointer to a task file as seen when listing: its id, the state (directory) it was found in,
 * the node for per-node states, and the exact file name. It is a snapshot: the file may have
 * moved since; every operation on a stale ref reports a lost race instead of acting.
 *
 * @param taskId the task's id
 * @param state the directory it was listed in
 * @param node the node for {@link TaskState#INBOX} and {@link TaskState#RUNNING}, else null
 * @param fileName the file name inside that directory
 */
public record TaskRef(String taskId, TaskState state, String node, String fileName) {
    /** Validates that per-node states carry a node and others do not. */
    public TaskRef {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(fileName, "fileName");
        if (state.perNode() != (node != null)) {
            throw new IllegalArgumentException("node must be given exactly for per-node states: " + state);
        }
    }
}
