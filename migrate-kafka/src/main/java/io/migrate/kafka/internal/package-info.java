/** The {@code publisher.type=kafka} provider of the node's configuration loader. Not API. */
package io.migrate.kafka.internal;
