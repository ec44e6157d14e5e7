/**
 * Extension points of the node's configuration loader: how {@code transport.type} and
 * {@code publisher.type} find their implementations.
 */
package io.migrate.node.spi;
