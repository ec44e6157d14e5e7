/**
 * The facade hosts embed: {@link io.migrate.node.MigrationNode}, built from one immutable
 * configuration, optionally loaded from a properties file.
 */
package io.migrate.node;
