/** The POSIX directory transport: positional writes, fsync, atomic rename commit. */
package io.migrate.transport.posix;
