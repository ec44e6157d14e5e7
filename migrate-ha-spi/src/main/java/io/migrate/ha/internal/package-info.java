/**
 * Bases and helpers of the HA implementations in this module (listener plumbing, polled
 * elections, live-node sets, {@code ha.*} properties). Not API, and used by no other module: what
 * every module shares is in {@code io.migrate.internal}.
 */
package io.migrate.ha.internal;
