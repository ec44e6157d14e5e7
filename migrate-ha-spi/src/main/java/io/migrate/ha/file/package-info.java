/** The default membership: heartbeat counters on the shared task root. */
package io.migrate.ha.file;
