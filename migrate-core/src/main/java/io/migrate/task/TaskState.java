package io.migrate.task;

/**
 * Where a task is on the task root. A task is in exactly one state at a time; it changes state
 * only by an atomic rename. See {@code docs/task-root.md}.
 */
public enum TaskState {
    /** Being written by a submitter ({@code incoming/}); not yet a task. */
    INCOMING("incoming", false),
    /** Durable, not assigned ({@code pending/}). */
    PENDING("pending", false),
    /** Assigned to a node, not started ({@code nodes/<node>/inbox/}). */
    INBOX("inbox", true),
    /** Claimed and executing on a node ({@code nodes/<node>/running/}); the file mtime is the lease. */
    RUNNING("running", true),
    /** Finished with its result, waiting to be published ({@code done/}, the outbox). */
    DONE("done", false),
    /** Published, kept for the retention period ({@code archive/}). */
    ARCHIVED("archive", false),
    /** Given up or rejected as invalid, with the reason inside ({@code failed/}). */
    FAILED("failed", false);

    private final String directoryName;
    private final boolean perNode;

    TaskState(String directoryName, boolean perNode) {
        this.directoryName = directoryName;
        this.perNode = perNode;
    }

    /** @return the directory's name on the task root (under {@code nodes/<node>/} if per node) */
    public String directoryName() {
        return directoryName;
    }

    /** @return whether the directory exists once per node */
    public boolean perNode() {
        return perNode;
    }
}
