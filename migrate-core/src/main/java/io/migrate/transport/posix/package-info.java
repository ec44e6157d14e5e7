/** The POSIX directory transport: positional writes or in-kernel range copies, fsync, atomic rename commit. */
package io.migrate.transport.posix;
