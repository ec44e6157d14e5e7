/**
 * The task model and the durable task store: {@link io.migrate.task.MigrationTask} (the request),
 * {@link io.migrate.task.TaskResult} and {@link io.migrate.task.FileResult} (what a run did, kept in
 * the task file), {@link io.migrate.task.TaskStore} and its default on a shared directory.
 */
package io.migrate.task;
