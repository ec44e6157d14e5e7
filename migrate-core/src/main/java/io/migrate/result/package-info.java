/**
 * Results of task attempts and the {@link io.migrate.result.ResultPublisher} SPI with the outbox
 * that drains {@code done/}.
 */
package io.migrate.result;
