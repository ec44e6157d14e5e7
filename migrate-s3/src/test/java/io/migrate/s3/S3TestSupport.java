package io.migrate.s3;

import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Shared helpers of this module's tests. */
final class S3TestSupport {
    static final String BUCKET = "migrate-it";
    static final long MIB = 1024 * 1024;

    private S3TestSupport() {
    }

    static S3TransportConfig.Builder config(URI... endpoints) {
        return S3TransportConfig.builder()
                .endpoints(List.of(endpoints))
                .bucket(BUCKET)
                .credentials(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)
                .sessionsPerEndpoint(4)
                .connectTimeout(Duration.ofSeconds(2))
                .apiCallAttemptTimeout(Duration.ofSeconds(60))
                .staleUploadSweepInterval(Duration.ZERO);
    }

    /** A transport and one session of its first endpoint, closed together. */
    record Open(S3Transport transport, TransportSession session) implements AutoCloseable {
        static Open of(S3TransportConfig config) {
            S3Transport t = S3Transport.create(config);
            return new Open(t, t.openSession(t.endpoints().get(0)));
        }

        @Override
        public void close() {
            session.close();
            transport.close();
        }
    }

    /**
     * Configuration for a scripted server ({@code RecordingS3Server}): bucket {@code b}, no SDK
     * retry, CRC32C (no checksum probe at start, which the script would have to answer).
     */
    static S3TransportConfig.Builder scripted(URI endpoint, S3TransportConfig.Builder b) {
        return b.checksumMode(ChecksumMode.CRC32C).endpoints(List.of(endpoint)).bucket("b").credentials("AK", "SK").sdkRetries(0)
                .connectTimeout(Duration.ofSeconds(1)).staleUploadSweepInterval(Duration.ZERO)
                .conditionalWrites(ConditionalWrites.OFF); // the script answers only the requests it expects
    }

    /** A plain client to look at what the server holds, independent of the transport. */
    static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder())
                .build();
    }

    static Path randomFile(Path dir, String name, long size, long seed) throws IOException {
        Path p = dir.resolve(name);
        Random r = new Random(seed);
        byte[] buf = new byte[(int) Math.min(size, MIB)];
        try (var out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; ) {
                int n = (int) Math.min(left, buf.length);
                r.nextBytes(buf);
                out.write(buf, 0, n);
                left -= n;
            }
        }
        return p;
    }

    static int crc32c(Path p) throws IOException {
        CRC32C c = new CRC32C();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                c.update(buf, 0, n);
            }
        }
        return (int) c.getValue();
    }

    /** Asserts that the object at {@code key} has exactly the bytes of {@code file}. */
    static void assertSameBytes(S3Client s3, String key, Path file) throws IOException {
        try (InputStream remote = s3.getObject(b -> b.bucket(BUCKET).key(key));
             InputStream local = Files.newInputStream(file)) {
            byte[] a = new byte[1 << 16];
            byte[] b = new byte[1 << 16];
            long pos = 0;
            while (true) {
                int n = local.readNBytes(a, 0, a.length);
                int m = remote.readNBytes(b, 0, b.length);
                if (n != m || !Arrays.equals(a, 0, n, b, 0, m)) {
                    throw new AssertionError(key + " differs from " + file + " near byte " + pos
                            + " (local read " + n + ", remote " + m + ")");
                }
                if (n == 0) {
                    return;
                }
                pos += n;
            }
        }
    }

    /** Writes every range of {@code file} through {@code session}, in order; returns the receipts. */
    static List<RangeReceipt> writeAll(TransportSession session, Upload upload, Path file) throws IOException {
        List<RangeReceipt> receipts = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long off = 0; off < upload.size(); off += upload.rangeSize()) {
                int len = (int) Math.min(upload.rangeSize(), upload.size() - off);
                ByteBuffer buf = ByteBuffer.allocate(len);
                while (buf.hasRemaining()) {
                    ch.read(buf, off + buf.position());
                }
                buf.flip();
                receipts.add(session.write(upload, off, buf, io.migrate.s3.internal.Checksums.crc32c(buf)));
            }
        }
        return receipts;
    }

    static Map<String, String> fingerprint(Path file, int crc) throws IOException {
        return Map.of("migrate-crc32c", Integer.toHexString(crc),
                "migrate-fingerprint", Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis());
    }
}
