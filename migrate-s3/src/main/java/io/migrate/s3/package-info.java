/**
 * The S3 transport: {@link io.migrate.s3.S3Transport} configured by
 * {@link io.migrate.s3.S3TransportConfig}, with multipart, offset-write and append modes. See
 * {@code docs/s3.md}.
 */
package io.migrate.s3;
