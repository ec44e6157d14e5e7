/**
 * The {@link io.migrate.move.ParallelFileMover}: moves a task's files in parallel ranges with
 * bounded memory, checksums, source fingerprints, retries and endpoint failover; and
 * {@link io.migrate.move.MoverTaskExecutor}, which plugs it into the worker.
 */
package io.migrate.move;
