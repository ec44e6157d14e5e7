package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

class S3TransportSmokeIT {
    @TempDir
    Path dir;

    @Test
    void multipartRoundTrip() throws Exception {
        try (EmbeddedS3 server = EmbeddedS3.startTransient(BUCKET);
             S3Transport t = S3Transport.create(config(server.endpoint()).build());
             S3Client s3 = client(server.endpoint())) {
            Path f = randomFile(dir, "a.bin", 12 * MIB + 5, 1);
            int crc = crc32c(f);
            try (TransportSession s = t.openSession(t.endpoints().get(0))) {
                Upload u = s.open("dir/a.bin", "att1", 12 * MIB + 5, 5 * MIB, fingerprint(f, crc));
                List<RangeReceipt> r = writeAll(s, u, f);
                s.complete(u, r, crc);
                s.commit(u, fingerprint(f, crc));
                assertThat(s.stat("dir/a.bin")).get().extracting(st -> st.size()).isEqualTo(12 * MIB + 5);
                System.out.println(s.stat("dir/a.bin"));
            }
            assertSameBytes(s3, "dir/a.bin", f);
        }
    }
}
