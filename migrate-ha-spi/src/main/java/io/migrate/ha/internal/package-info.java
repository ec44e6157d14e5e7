/**
 * Helpers shared by the HA implementations. Not API: not exported, may change without notice.
 */
package io.migrate.ha.internal;
