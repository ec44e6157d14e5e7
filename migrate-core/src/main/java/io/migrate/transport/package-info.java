/**
 * The transport SPI: how the mover writes ranges of files to a destination, with classified
 * errors ({@link io.migrate.transport.Disposition}) and the names of the metadata stored with every
 * committed file ({@link io.migrate.transport.MetadataKeys}), which the mover writes and a
 * transport reads back.
 */
package io.migrate.transport;
