package io.migrate.s3;

import io.migrate.s3.testing.CephRgw;
import io.migrate.s3.testing.EmbeddedS3;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * The real S3 servers the integration tests run against, each started once per test JVM with
 * bucket {@link S3TestSupport#BUCKET}: S3Proxy 4.1.0 in this JVM (in-memory store) and Ceph RGW
 * 16 ({@link CephRgw}, child processes). {@code -Dmigrate.rgw=false} leaves RGW out (a machine
 * without the Ceph packages and without root); CI runs both.
 */
final class S3Stores {
    private static EmbeddedS3 proxy;

    private S3Stores() {
    }

    /** One server: its name (the test's display name), endpoint and keys. */
    record Store(String name, URI endpoint, String accessKey, String secretKey, CephRgw rgw) {
        boolean isRgw() {
            return rgw != null;
        }

        /** The transport's configuration for this store, as {@link S3TestSupport#config} for S3Proxy. */
        S3TransportConfig.Builder config() {
            return S3TransportConfig.builder().endpoints(List.of(endpoint)).bucket(S3TestSupport.BUCKET)
                    .credentials(accessKey, secretKey).sessionsPerEndpoint(4).connectTimeout(Duration.ofSeconds(2))
                    .apiCallAttemptTimeout(Duration.ofSeconds(60)).staleUploadSweepInterval(Duration.ZERO);
        }

        /** A plain client, independent of the transport; the caller closes it. */
        S3Client client() {
            return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .httpClientBuilder(ApacheHttpClient.builder()).build();
        }

        /** Deletes every object under {@code prefix} and aborts its uploads (RGW keeps data in RAM). */
        void clean(String prefix) {
            try (S3Client c = client()) {
                c.listMultipartUploads(b -> b.bucket(S3TestSupport.BUCKET).prefix(prefix)).uploads().forEach(u ->
                        c.abortMultipartUpload(b -> b.bucket(S3TestSupport.BUCKET).key(u.key()).uploadId(u.uploadId())));
                for (String p : List.of(prefix, ".migrate-tmp/")) {
                    List<ObjectIdentifier> keys = new ArrayList<>();
                    c.listObjectsV2Paginator(b -> b.bucket(S3TestSupport.BUCKET).prefix(p)).contents()
                            .forEach(o -> keys.add(ObjectIdentifier.builder().key(o.key()).build()));
                    for (ObjectIdentifier k : keys) {
                        c.deleteObject(b -> b.bucket(S3TestSupport.BUCKET).key(k.key()));
                    }
                }
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** @return whether RGW is part of the run ({@code -Dmigrate.rgw}, default true) */
    static boolean rgwEnabled() {
        return !"false".equals(System.getProperty("migrate.rgw"));
    }

    /** @return S3Proxy, started on first use */
    static synchronized Store s3proxy() {
        if (proxy == null) {
            try {
                proxy = EmbeddedS3.startTransient(S3TestSupport.BUCKET);
            } catch (Exception e) {
                throw new IllegalStateException("S3Proxy did not start", e);
            }
            EmbeddedS3 p = proxy;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    p.close();
                } catch (Exception e) {
                    // exiting
                }
            }, "migrate-s3proxy-stop"));
        }
        return new Store("S3Proxy 4.1.0", proxy.endpoint(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, null);
    }

    /** @return Ceph RGW, started on first use (20–40 s) */
    static synchronized Store rgw() {
        try {
            CephRgw rgw = CephRgw.shared();
            rgw.createBucket(S3TestSupport.BUCKET);
            return new Store("Ceph RGW 16", rgw.endpoint(), CephRgw.ACCESS_KEY, CephRgw.SECRET_KEY, rgw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return every store of this run, for {@code @MethodSource} */
    static Stream<Store> all() {
        return rgwEnabled() ? Stream.of(s3proxy(), rgw()) : Stream.of(s3proxy());
    }
}
