/**
 * Extension points for leadership and membership. Implement {@link io.migrate.ha.spi.HaProvider}
 * and register it in {@code META-INF/services} to add a backend.
 */
package io.migrate.ha.spi;
