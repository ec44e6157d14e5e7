package io.migrate.benchmarks.harness;

import io.migrate.s3.testing.CephRgw;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Ceph RGW 16 through the project's test fixture ({@link CephRgw}: one mon, one memstore OSD,
 * radosgw beast). Its CPU is that of all three daemons: the gateway alone would hide the OSD's
 * share of storing the bytes.
 */
final class RgwServer implements BenchServer {
    private final CephRgw rgw;

    private RgwServer(CephRgw rgw) {
        this.rgw = rgw;
    }

    /**
     * @param dir state directory (removed at close)
     * @param memstoreBytes the OSD's in-memory capacity
     */
    static RgwServer start(Path dir, long memstoreBytes) throws Exception {
        Files.createDirectories(dir);
        return new RgwServer(CephRgw.start(Files.createTempDirectory(dir, "rgw-"), memstoreBytes));
    }

    @Override
    public String title() {
        return "Ceph RGW " + CephRgw.version().replaceAll("ceph version (\\S+).*", "$1")
                + ", 1 mon + 1 memstore OSD + radosgw beast";
    }

    @Override
    public String key() {
        return "rgw";
    }

    @Override
    public URI endpoint() {
        return rgw.endpoint();
    }

    @Override
    public String accessKey() {
        return CephRgw.ACCESS_KEY;
    }

    @Override
    public String secretKey() {
        return CephRgw.SECRET_KEY;
    }

    @Override
    public double cpuMillis() {
        double sum = 0;
        for (long pid : rgw.pids()) {
            sum += Bench.cpuMillisOf(pid);
        }
        return sum;
    }

    @Override
    public void deletePrefix(S3Client sync, String bucket, String prefix) {
        List<String> keys = sync.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                .build()).contents().stream().map(o -> o.key()).toList();
        keys.parallelStream().forEach(k -> sync.deleteObject(b -> b.bucket(bucket).key(k)));
        sync.listMultipartUploads(b -> b.bucket(bucket).prefix(prefix)).uploads().forEach(u ->
                sync.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
    }

    @Override
    public void close() {
        rgw.close();
    }
}
