/**
 * Delivering results: the {@link io.migrate.result.ResultPublisher} SPI, in-process
 * {@link io.migrate.result.ResultListener}s and the {@link io.migrate.result.ResultOutbox} that drains
 * {@code done/} and {@code failed/}. The result records themselves ({@code TaskResult},
 * {@code FileResult}) are part of the task model in {@code io.migrate.task}: a stored task carries
 * its result, so they sit below this package.
 */
package io.migrate.result;
