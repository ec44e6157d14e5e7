/**
 * Reading flat configuration ({@code key=value}) with validation that names the key. Used by
 * every module's loader, so every module reports configuration errors the same way.
 */
package io.migrate.config;
