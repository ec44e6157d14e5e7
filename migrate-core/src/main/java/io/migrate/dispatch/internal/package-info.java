/** Internals shared by the leader side and the worker; not public API, may change without notice. */
package io.migrate.dispatch.internal;
