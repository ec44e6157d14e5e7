package io.migrate.benchmarks.harness;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * AWS SDK v2 clients for the peer contenders, set up the way a third-party S3 server needs:
 * path style, us-east-1, checksums only when required (the SDK's default integrity headers from
 * 2.30 on are not understood by every server).
 */
final class S3Clients {
    private S3Clients() {
    }

    static StaticCredentialsProvider credentials(String access, String secret) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret));
    }

    static S3Client sync(URI endpoint, String access, String secret) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(credentials(access, secret))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64)).build();
    }

    /** An async Netty client with multipart uploads on (parts of {@code partBytes}), for the transfer manager. */
    static S3AsyncClient async(URI endpoint, String access, String secret, int concurrency, long partBytes) {
        return S3AsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(credentials(access, secret))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .multipartEnabled(true)
                .multipartConfiguration(m -> m.minimumPartSizeInBytes(partBytes).thresholdInBytes(partBytes))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(concurrency)).build();
    }
}
