/** Internals of the mover (buffer pool, CRC32C combination, source checks, endpoint health). Not API. */
package io.migrate.move.internal;
