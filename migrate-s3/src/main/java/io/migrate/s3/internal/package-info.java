/** Implementation of the S3 transport; not API, may change without notice. */
package io.migrate.s3.internal;
