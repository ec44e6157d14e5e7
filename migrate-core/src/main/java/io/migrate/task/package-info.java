/**
 * The task model and the durable task store: {@link io.migrate.task.MigrationTask},
 * {@link io.migrate.task.TaskStore} and its default on a shared directory.
 */
package io.migrate.task;
