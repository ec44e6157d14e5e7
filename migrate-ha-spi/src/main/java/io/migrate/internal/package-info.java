/**
 * The one internal package every module of the library shares: configuration checks
 * ({@link io.migrate.internal.Require}), the one component lifecycle
 * ({@link io.migrate.internal.Lifecycle}), thread naming ({@link io.migrate.internal.NamedThreadFactory}),
 * bounded executor shutdown ({@link io.migrate.internal.Executors2}) and the periodic tick loop
 * ({@link io.migrate.internal.Periodic}).
 *
 * <p>Not API: hosts must not use it; it changes without notice. It lives in the lowest module
 * ({@code migrate-ha-spi}, module {@code io.migrate.foundation}) because every other module needs
 * it, and it is named after no feature so that {@code migrate-core}, {@code migrate-s3} and
 * {@code migrate-kafka} importing it is not an import of someone else's internals. It is the only
 * {@code internal} package another module may import ({@code ModuleBoundariesTest}).
 */
package io.migrate.internal;
