package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.BUCKET;
import static io.migrate.s3.S3TestSupport.MIB;
import static io.migrate.s3.S3TestSupport.assertSameBytes;
import static io.migrate.s3.S3TestSupport.client;
import static io.migrate.s3.S3TestSupport.config;
import static io.migrate.s3.S3TestSupport.randomFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.Disposition;
import io.migrate.transport.TransportException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Two endpoints of one bucket (two S3Proxy servers over one store); one is stopped in the
 * middle of a transfer: its sessions answer FAILOVER, the ranges go to the other endpoint, and
 * the file completes intact.
 */
class FailoverIT {
    private static final long SEED = Long.getLong("migrate.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void anEndpointStoppedMidTransferFailsOverWithoutFailingTheFile() throws Exception {
        System.out.println("FailoverIT seed (rerun with -Dmigrate.seed=" + SEED + ")");
        Path f = randomFile(dir, "big.bin", 64 * MIB + 3, SEED);
        try (EmbeddedS3 a = EmbeddedS3.startTransient(BUCKET);
             EmbeddedS3 b = EmbeddedS3.startSharing(a);
             S3Transport t = S3Transport.create(config(a.endpoint(), b.endpoint()).build());
             S3Client check = client(a.endpoint())) {
            t.checkHealth(b.endpoint().toString());
            TestUploader up = new TestUploader(t, 4, 5 * MIB);
            AtomicInteger ranges = new AtomicInteger();
            up.afterRange = off -> {
                if (ranges.incrementAndGet() == 3) {
                    try {
                        b.stop();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            assertThat(up.upload(f, "failover/big.bin")).isTrue();
            assertThat(up.failovers.get()).as("threads pinned to the stopped endpoint moved").isPositive();
            assertThatThrownBy(() -> t.checkHealth(b.endpoint().toString()))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.disposition()).isEqualTo(Disposition.FAILOVER));
            t.checkHealth(a.endpoint().toString());
            assertSameBytes(check, "failover/big.bin", f);
            assertThat(check.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
            assertThat(t.activeSessions()).isZero();
        }
    }
}
