package io.migrate.s3;

import static io.migrate.s3.S3TestSupport.BUCKET;
import static io.migrate.s3.S3TestSupport.client;
import static io.migrate.s3.S3TestSupport.config;

import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportContract;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * {@link TransportContract} against {@link S3Transport} with its defaults (direct multipart commit,
 * checksum probe, conditional writes where the server takes them) on S3Proxy 4.1.0 in memory.
 */
class S3TransportContractIT extends TransportContract {
    private static EmbeddedS3 server;
    private static S3Client s3;

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedS3.startTransient(BUCKET);
        s3 = client(server.endpoint());
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
        server.close();
    }

    @Override
    protected Transport newTransport() {
        return S3Transport.create(config(server.endpoint()).build());
    }

    @Override
    protected long preferredRangeSize() {
        return 5L * 1024 * 1024; // the S3 minimum part size
    }

    @Override
    protected Optional<byte[]> read(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }
}
