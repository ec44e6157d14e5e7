/** The leader side: dispatching pending tasks to nodes and reclaiming them. */
package io.migrate.dispatch;
