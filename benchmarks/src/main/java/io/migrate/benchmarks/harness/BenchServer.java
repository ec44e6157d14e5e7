package io.migrate.benchmarks.harness;

import java.net.URI;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 server the S3 sections measure against, in its own process(es) so that every contender
 * talks to it from outside: S3Proxy ({@link S3ProxyServer}) or Ceph RGW ({@link RgwServer}).
 */
interface BenchServer extends AutoCloseable {
    /** @return what it is, for headings, e.g. "S3Proxy 4.1.0, filesystem store" */
    String title();

    /** @return a short name for log lines and result keys: {@code s3proxy} or {@code rgw} */
    String key();

    URI endpoint();

    String accessKey();

    String secretKey();

    /** @return CPU milliseconds used so far by the server's processes */
    double cpuMillis();

    /** Removes every object under {@code prefix} (between runs, so the store does not fill up). */
    void deletePrefix(S3Client sync, String bucket, String prefix);

    @Override
    void close() throws Exception;
}
