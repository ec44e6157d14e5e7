/** Built-in providers of the node's configuration loader. Not API. */
package io.migrate.node.internal;
