/**
 * Leader election and membership: {@link io.migrate.ha.HighAvailability} picks an implementation
 * by {@code ha.type}. Implementations live in sub-packages ({@code file}, {@code fixed},
 * {@code zookeeper}, {@code ctdb}); the SPI is {@code io.migrate.ha.spi}.
 */
package io.migrate.ha;
