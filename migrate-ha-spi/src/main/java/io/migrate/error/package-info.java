/**
 * The library's single exception hierarchy: {@link io.migrate.error.MigrateException} with a
 * stable {@link io.migrate.error.ErrorCode}. It lives in the lowest module so that every
 * module, the HA implementations included, reports errors the same way.
 */
package io.migrate.error;
