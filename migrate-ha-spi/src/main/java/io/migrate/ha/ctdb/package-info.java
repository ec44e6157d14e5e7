/**
 * {@code ha.type=ctdb}: leadership and membership from the {@code ctdb} command of a Samba CTDB
 * cluster. CTDB has no majority quorum: configure a cluster (recovery) lock.
 */
package io.migrate.ha.ctdb;
