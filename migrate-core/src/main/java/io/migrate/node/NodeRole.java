package io.migrate.node;

/** What a {@link MigrationNode} does. A node may have both roles. */
public enum NodeRole {
    /**
     * Accepts tasks ({@link MigrationNode#submitter()}) and takes part in the leader election;
     * while it leads, it dispatches and reclaims.
     */
    MANAGER,
    /** Executes the tasks assigned to it with the mover and publishes results from the outbox. */
    BACKEND
}
