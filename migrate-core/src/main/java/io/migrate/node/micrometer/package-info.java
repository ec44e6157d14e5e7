/** Micrometer binding of a node's counters; loaded only by hosts that have Micrometer. */
package io.migrate.node.micrometer;
