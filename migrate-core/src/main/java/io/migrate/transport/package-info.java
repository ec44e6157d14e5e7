/**
 * The transport SPI: how the mover writes ranges of files to a destination, with classified
 * errors ({@link io.migrate.transport.Disposition}).
 */
package io.migrate.transport;
