package io.migrate.s3.testing;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;

/**
 * A real S3 server in this JVM for tests, examples and benchmarks: S3Proxy 4.1.0 on a free port
 * of 127.0.0.1 with AWS v2/v4 authentication, over an in-memory ({@code transient}) or
 * {@code filesystem} store. Several servers can share one store ({@link #startSharing}), which
 * gives one bucket behind two endpoints, each of which can be stopped on its own.
 *
 * <p>Thread-safe to read; {@link #stop()} and {@link #close()} are idempotent.
 */
public final class EmbeddedS3 implements AutoCloseable {
    /** Access key every instance accepts. */
    public static final String ACCESS_KEY = "migrate-test";
    /** Secret key every instance accepts. */
    public static final String SECRET_KEY = "migrate-test-secret";

    private final S3Proxy proxy;
    private final BlobStore store;
    private final URI endpoint;
    private volatile boolean stopped;

    private EmbeddedS3(BlobStore store, String accessKey, String secretKey, boolean ignoreUnknownHeaders)
            throws Exception {
        this.store = store;
        this.proxy = S3Proxy.builder()
                .blobStore(store)
                .ignoreUnknownHeaders(ignoreUnknownHeaders)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .stopTimeout(1000)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.onSpinWait();
        }
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /**
     * Starts a server over an in-memory store.
     *
     * @param buckets buckets to create
     * @return the running server
     * @throws Exception if S3Proxy cannot start
     */
    public static EmbeddedS3 startTransient(String... buckets) throws Exception {
        return start(BlobStores.create("transient", new Properties()), ACCESS_KEY, SECRET_KEY, buckets);
    }

    /**
     * Starts a server over a directory.
     *
     * @param baseDir where objects are stored (created if missing)
     * @param buckets buckets to create
     * @return the running server
     * @throws Exception if S3Proxy cannot start
     */
    public static EmbeddedS3 startFilesystem(Path baseDir, String... buckets) throws Exception {
        java.nio.file.Files.createDirectories(baseDir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        return start(BlobStores.create("filesystem", p), ACCESS_KEY, SECRET_KEY, buckets);
    }

    /**
     * Starts a server over a directory that ignores request headers S3Proxy does not implement
     * (instead of answering 501 NotImplemented), for clients such as the SDK's
     * {@code S3TransferManager} that send them.
     *
     * @param baseDir where objects are stored (created if missing)
     * @param buckets buckets to create
     * @return the running server
     * @throws Exception if S3Proxy cannot start
     */
    public static EmbeddedS3 startFilesystemLenient(Path baseDir, String... buckets) throws Exception {
        java.nio.file.Files.createDirectories(baseDir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        EmbeddedS3 s3 = new EmbeddedS3(BlobStores.create("filesystem", p), ACCESS_KEY, SECRET_KEY, true);
        for (String b : buckets) {
            s3.createBucket(b);
        }
        return s3;
    }

    /**
     * Starts another server (own port) over the same store as {@code other}: a second endpoint
     * of the same bucket.
     *
     * @param other a running server
     * @return the running server
     * @throws Exception if S3Proxy cannot start
     */
    public static EmbeddedS3 startSharing(EmbeddedS3 other) throws Exception {
        return new EmbeddedS3(other.store, ACCESS_KEY, SECRET_KEY, false);
    }

    /**
     * Starts a server over the same store as {@code other} that accepts other keys, to test
     * refused credentials.
     *
     * @param other a running server
     * @param accessKey accepted access key
     * @param secretKey accepted secret
     * @return the running server
     * @throws Exception if S3Proxy cannot start
     */
    public static EmbeddedS3 startSharing(EmbeddedS3 other, String accessKey, String secretKey) throws Exception {
        return new EmbeddedS3(other.store, accessKey, secretKey, false);
    }

    private static EmbeddedS3 start(BlobStore store, String accessKey, String secretKey, String... buckets)
            throws Exception {
        EmbeddedS3 s3 = new EmbeddedS3(store, accessKey, secretKey, false);
        for (String b : buckets) {
            s3.createBucket(b);
        }
        return s3;
    }

    /**
     * @param bucket a bucket to create in the store; one left by an earlier run is kept
     */
    public void createBucket(String bucket) {
        try {
            store.createContainer(CreateBucketRequest.builder().bucket(Objects.requireNonNull(bucket)).build());
        } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException e) {
            // a filesystem store reused across runs
        }
    }

    /** @return {@code http://127.0.0.1:PORT} */
    public URI endpoint() {
        return endpoint;
    }

    /** @return the port */
    public int port() {
        return endpoint.getPort();
    }

    /** @return the store behind the server, to inspect it directly */
    public BlobStore store() {
        return store;
    }

    /**
     * Stops the server: new connections are refused, open ones are cut. Idempotent.
     *
     * @throws Exception if Jetty fails to stop
     */
    public void stop() throws Exception {
        if (!stopped) {
            stopped = true;
            proxy.stop();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    @Override
    public String toString() {
        return "EmbeddedS3[" + endpoint + "]";
    }
}
