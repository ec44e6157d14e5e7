/** {@code ha.type=static}: a configured leader, or the holder of a keepalived virtual IP. */
package io.migrate.ha.fixed;
