package io.migrate.s3.internal;

import io.migrate.s3.S3TransportConfig;
import io.migrate.s3.PayloadSigning;
import java.net.URI;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * One destination endpoint and its {@link S3Client}. The client is thread-safe and owns an
 * Apache connection pool sized to the sessions pinned to this endpoint (plus one for the health
 * probe and the sweeper), so each session's synchronous call holds its own connection.
 *
 * @param id the endpoint id the mover sees (the URI as configured)
 * @param uri the endpoint
 * @param client its client, closed with {@link #close()}
 * @param traits what the start probes found about the store (payload signing, full-object
 *     checksums), set once after them
 */
public record Endpoint(String id, URI uri, S3Client client, StoreTraits traits) implements AutoCloseable {

    /**
     * Builds the client with the settings third-party S3 servers need: path-style addressing,
     * SigV4 through {@link SigningAuthScheme} (no {@code aws-chunked} empty bodies, optionally
     * {@code UNSIGNED-PAYLOAD}), checksums only when an operation requires them (SDK 2.30+ would otherwise send CRC32
     * trailers with aws-chunked encoding and validate response checksums, which Ceph, Scality,
     * COS/OSS/OBS, older MinIO and ECS reject), few SDK retries so the mover's failover decides,
     * and a per-attempt timeout.
     *
     * @param uri the endpoint
     * @param config the transport configuration
     * @return the endpoint
     */
    public static Endpoint create(URI uri, S3TransportConfig config) {
        S3ClientBuilder builder = S3Client.builder();
        // AUTO starts unsigned: the start probe must measure the path the transfers will take.
        StoreTraits traits = new StoreTraits(config.payloadSigning() != PayloadSigning.SIGNED);
        builder.putAuthScheme(new SigningAuthScheme(traits));
        S3Client client = builder
                .endpointOverride(uri)
                .region(Region.of(config.region()))
                .credentialsProvider(config.credentials())
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(config.sessionsPerEndpoint() + 1)
                        .connectionTimeout(config.connectTimeout())
                        .socketTimeout(config.socketTimeout())
                        .connectionAcquisitionTimeout(config.sessionBorrowTimeout()))
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(config.apiCallAttemptTimeout())
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(config.sdkRetries() + 1).build())
                        .addExecutionInterceptor(new RequestShapeInterceptor()))
                .build();
        return new Endpoint(uri.toString(), uri, client, traits);
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return id;
    }
}
