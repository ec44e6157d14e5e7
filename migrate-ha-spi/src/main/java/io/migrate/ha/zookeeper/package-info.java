/**
 * {@code ha.type=zookeeper}: leader election with Curator's {@code LeaderLatch} (with an
 * ephemeral-owner check) and membership by ephemeral nodes. Needs
 * {@code org.apache.curator:curator-recipes} (an optional dependency of this module).
 */
package io.migrate.ha.zookeeper;
