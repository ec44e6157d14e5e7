package io.migrate.s3;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * How {@link S3Transport#checkHealth(String)} probes one endpoint. The default is
 * {@code HeadBucket}, which also checks the credentials. Implementations must be thread-safe
 * and throw the SDK's exception when the endpoint is unwell; the transport classifies it.
 */
@FunctionalInterface
public interface HealthProbe {
    /** {@code HeadBucket} on the configured bucket. */
    HealthProbe HEAD_BUCKET = (client, bucket) -> client.headBucket(b -> b.bucket(bucket));

    /**
     * @param client the endpoint's client
     * @param bucket the configured bucket
     */
    void probe(S3Client client, String bucket);
}
