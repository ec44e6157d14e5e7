package io.migrate.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.migrate.config.Settings;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import io.migrate.node.NodeHealth;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.task.FileEntry;
import io.migrate.task.FileResult;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.transport.EndpointHealth;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Misconfigured S3 destinations surface at {@link MigrationNode#start()} (issue #18, #20 item 5):
 * a missing bucket stops the start with a permanent {@code TARGET_NOT_FOUND} naming the bucket,
 * a bucket that disappears later fails the files permanently (no retry task), and unreachable
 * endpoints are shown by {@link MigrationNode#health()} at once. Real S3Proxy; each test prints
 * how long the error took to surface.
 */
class FailFastIT {
    @TempDir
    Path dir;

    private Map<String, String> properties(String endpoints, String bucket) {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", "backend-1");
        p.put("node.roles", "manager,backend");
        p.put("task.root", dir.resolve("root").toString());
        p.put("ha.type", "static");
        p.put("ha.static.leader", "backend-1");
        p.put("ha.heartbeat.interval", "200ms");
        p.put("transport.type", "s3");
        p.put("transport.s3.endpoints", endpoints);
        p.put("transport.s3.bucket", bucket);
        p.put("transport.s3.accessKey", EmbeddedS3.ACCESS_KEY);
        p.put("transport.s3.secretKey", EmbeddedS3.SECRET_KEY);
        p.put("transport.s3.connectTimeout", "1s");
        p.put("transport.s3.sdkRetries", "0");
        p.put("transport.s3.checksumMode", "CRC32C"); // no probe objects: the bucket must be deletable
        p.put("mover.allowedSourceRoots", dir.resolve("src").toString());
        p.put("mover.threads", "2");
        p.put("mover.maxInFlightBytes", "32MiB");
        p.put("mover.healthCheckInterval", "200ms");
        p.put("mover.endpointWait", "2s");
        p.put("dispatch.tick", "200ms");
        p.put("worker.pollInterval", "200ms");
        p.put("outbox.pollInterval", "200ms");
        return p;
    }

    private static MigrationNode node(Map<String, String> p) {
        return NodeConfiguration.fromSettings(Settings.of(p)).build();
    }

    @Test
    void aMissingBucketFailsStartWithTargetNotFoundNamingTheBucket() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.startTransient("some-other-bucket")) {
            MigrationNode node = node(properties(s3.endpoint().toString(), "no-such-bucket"));
            long t0 = System.nanoTime();
            MigrateException e = catchThrowableOfType(MigrateException.class, node::start);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("missing bucket: start() threw %s after %d ms%n", e == null ? null : e.code(), ms);

            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.TARGET_NOT_FOUND);
            assertThat(e.code().retryable()).isFalse();
            assertThat(e).hasMessageContaining("no-such-bucket");
            // the failed start closed the node: nothing runs, nothing was registered
            assertThat(node.health().lifecycle()).isEqualTo(NodeHealth.Lifecycle.CLOSED);
            assertThat(dir.resolve("root/nodes/backend-1")).doesNotExist();
        }
    }

    @Test
    void aBucketRemovedAfterStartFailsTheFilesPermanentlyWithoutARetryTask() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        Files.writeString(src.resolve("b.txt"), "b");
        try (EmbeddedS3 s3 = EmbeddedS3.startTransient("vanishing");
                MigrationNode node = node(properties(s3.endpoint().toString(), "vanishing"));
                S3Client client = S3TestSupport.client(s3.endpoint())) {
            node.start();
            // whatever is there goes with the bucket
            client.listObjectsV2Paginator(b -> b.bucket("vanishing")).contents().forEach(o -> {
                System.out.println("left in the bucket after start: " + o.key());
                client.deleteObject(b -> b.bucket("vanishing").key(o.key()));
            });
            client.listMultipartUploads(b -> b.bucket("vanishing")).uploads().forEach(u -> client.abortMultipartUpload(
                    b -> b.bucket("vanishing").key(u.key()).uploadId(u.uploadId())));
            client.deleteBucket(b -> b.bucket("vanishing"));
            long t0 = System.nanoTime();
            String id = node.submitter().submit(src.toString(),
                    List.of(new FileEntry("a.txt", "a.txt"), new FileEntry("b.txt", "b.txt")), Map.of());

            await().atMost(Duration.ofSeconds(60)).until(() -> node.status().status(id)
                    .map(s -> s.state() == TaskState.ARCHIVED || s.state() == TaskState.FAILED).orElse(false));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            TaskResult r = node.store().read(node.store().find(id).orElseThrow()).orElseThrow().result().orElseThrow();
            System.out.printf("bucket removed after start: task %s ended after %d ms: %s%n", id, ms,
                    r.files().stream().map(FileResult::code).toList());

            assertThat(r.files()).hasSize(2).allSatisfy(f -> {
                assertThat(f.code()).as(f.toString()).isEqualTo(ErrorCode.TARGET_NOT_FOUND);
                assertThat(f.code().retryable()).isFalse();
            });
            // no retry task: nothing else was ever submitted or is waiting
            assertThat(node.status().snapshot().count(TaskState.PENDING)).isZero();
            assertThat(node.store().list(TaskState.ARCHIVED).count() + node.store().list(TaskState.FAILED).count())
                    .isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> node.health().endpoints().get(0).state()
                    == EndpointHealth.State.MISCONFIGURED);
            assertThat(node.health().endpoints().get(0).lastError()).contains("vanishing");
        }
    }

    @Test
    void unreachableEndpointsDoNotStopTheStartAndShowInHealthAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String endpoint = "http://127.0.0.1:" + port;
        try (MigrationNode node = node(properties(endpoint, "any"))) {
            long t0 = System.nanoTime();
            node.start();
            NodeHealth h = node.health();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("unreachable endpoint: start() + health() took %d ms: %s%n", ms, h.problems());

            assertThat(h.lifecycle()).isEqualTo(NodeHealth.Lifecycle.STARTED);
            assertThat(h.endpoints()).singleElement().satisfies(e -> {
                assertThat(e.state()).isEqualTo(EndpointHealth.State.DOWN);
                assertThat(e.lastErrorCode()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
                assertThat(e.lastError()).contains("unreachable");
            });
            assertThat(h.ready()).isFalse();
            assertThat(h.problems()).anySatisfy(p -> assertThat(p).contains("DOWN"));
        }
    }
}
