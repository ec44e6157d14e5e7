package io.migrate.transport.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.move.MetadataKeys;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import io.migrate.transport.WriteMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTransportTest {
    @TempDir
    Path root;

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes());
    }

    @Test
    void writesRangesOutOfOrderIntoAHiddenTempFileAndCommitsByRenameWithMetadata() throws IOException {
        PosixTransport t = PosixTransport.of(root);
        assertThat(t.capabilities().writeMode()).isEqualTo(WriteMode.RANDOM_OFFSET);
        long mtime = 1_600_000_000_123_456_789L;
        Map<String, String> meta = Map.of(MetadataKeys.FINGERPRINT, "s=8;m=1", MetadataKeys.MTIME_NANOS,
                Long.toString(mtime), MetadataKeys.MODE, "0640");
        try (TransportSession s = t.openSession("posix-0")) {
            Upload u = s.open("deep/er/dir/file name ü.txt", "tok1", 8, 4, meta);
            Path temp = root.resolve(u.tempKey());
            assertThat(temp.getFileName().toString()).isEqualTo(".file name ü.txt.tok1.migrate-tmp");
            assertThat(temp.getParent()).isEqualTo(root.resolve("deep/er/dir"));
            RangeReceipt second = s.write(u, 4, bytes("5678"), 2);
            RangeReceipt first = s.write(u, 0, bytes("1234"), 1);
            s.write(u, 0, bytes("1234"), 1); // rewriting a range is idempotent
            s.complete(u, List.of(first, second), 3);
            assertThat(s.stat("deep/er/dir/file name ü.txt")).isEmpty();

            s.commit(u, Map.of(MetadataKeys.FINGERPRINT, "s=8;m=1", MetadataKeys.CHECKSUM, "crc32c:00000003",
                    MetadataKeys.MTIME_NANOS, Long.toString(mtime), MetadataKeys.MODE, "0640"));

            Path target = root.resolve("deep/er/dir/file name ü.txt");
            assertThat(Files.readString(target)).isEqualTo("12345678");
            assertThat(temp).doesNotExist();
            assertThat(Files.getLastModifiedTime(target).to(TimeUnit.MICROSECONDS)).isEqualTo(mtime / 1000);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
            TargetStat st = s.stat("deep/er/dir/file name ü.txt").orElseThrow();
            assertThat(st.size()).isEqualTo(8);
            assertThat(st.metadata()).containsEntry(MetadataKeys.FINGERPRINT, "s=8;m=1")
                    .containsEntry(MetadataKeys.CHECKSUM, "crc32c:00000003");

            // committing again after an ambiguous failure is harmless
            s.commit(u, Map.of(MetadataKeys.FINGERPRINT, "s=8;m=1"));
            assertThat(Files.readString(target)).isEqualTo("12345678");
        }
    }

    @Test
    void rangesOfZerosAreNotWrittenSoSparseStaysSparseButContentIsExact() throws IOException {
        PosixTransport t = PosixTransport.of(root);
        try (TransportSession s = t.openSession("posix-0")) {
            Upload u = s.open("sparse", "tok", 3 << 20, 1 << 20, Map.of());
            s.write(u, 0, ByteBuffer.allocateDirect(1 << 20), 0);
            s.write(u, 1 << 20, ByteBuffer.allocateDirect(1 << 20), 0);
            ByteBuffer last = ByteBuffer.allocateDirect(1 << 20);
            last.put((1 << 20) - 1, (byte) 7);
            s.write(u, 2 << 20, last, 0);
            s.complete(u, List.of(), 0);
            s.commit(u, Map.of());
        }
        byte[] got = Files.readAllBytes(root.resolve("sparse"));
        assertThat(got).hasSize(3 << 20);
        assertThat(got[got.length - 1]).isEqualTo((byte) 7);
        assertThat(got[got.length - 2]).isZero();
    }

    @Test
    void abortDeletesTheTempFileAndALaterWriteDoesNotResurrectIt() throws IOException {
        PosixTransport t = PosixTransport.of(root);
        try (TransportSession s = t.openSession("posix-0")) {
            Upload u = s.open("a/b", "tok", 4, 4, Map.of());
            s.abort(u);
            s.abort(u); // idempotent
            assertThatThrownBy(() -> s.write(u, 0, bytes("abcd"), 0)).isInstanceOf(TransportException.class)
                    .satisfies(e -> assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.PERMANENT));
            try (Stream<Path> files = Files.walk(root)) {
                assertThat(files.filter(Files::isRegularFile)).isEmpty();
            }
        }
    }

    @Test
    void refusesKeysThatLeaveTheRootOrAreMalformed() {
        PosixTransport t = PosixTransport.of(root);
        try (TransportSession s = t.openSession("posix-0")) {
            for (String bad : List.of("", "/abs", "a/../../x", "a//b", "./a", "a/", "nul\0")) {
                assertThatThrownBy(() -> s.open(bad, "t", 1, 1, Map.of())).as(bad)
                        .isInstanceOf(TransportException.class)
                        .satisfies(e -> assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.INVALID_TARGET_KEY));
            }
        }
    }

    @Test
    void incompleteUploadFailsCompleteAndARangeOutsideTheFileIsRefused() {
        PosixTransport t = PosixTransport.of(root);
        try (TransportSession s = t.openSession("posix-0")) {
            Upload u = s.open("f", "t", 4, 4, Map.of());
            assertThatThrownBy(() -> s.write(u, 2, bytes("abcd"), 0))
                    .satisfies(e -> assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST));
            Files.writeString(root.resolve(u.tempKey()), "toolong");
            assertThatThrownBy(() -> s.complete(u, List.of(), 0))
                    .satisfies(e -> assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aMissingRootFailsOverAndTheHealthCheckSaysSo() throws IOException {
        Path gone = Files.createDirectory(root.resolve("mount"));
        PosixTransport t = PosixTransport.builder().endpoint("m", gone).build();
        t.checkHealth("m");
        TransportSession s = t.openSession("m");
        Upload u = s.open("x", "t", 4, 4, Map.of());
        Files.delete(gone.resolve(u.tempKey()));
        Files.delete(gone);
        assertThatThrownBy(() -> s.write(u, 0, bytes("abcd"), 0))
                .satisfies(e -> assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.FAILOVER));
        assertThatThrownBy(() -> t.checkHealth("m"))
                .satisfies(e -> assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.FAILOVER));
        assertThatThrownBy(() -> t.openSession("m"))
                .satisfies(e -> assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.FAILOVER));
    }

    @Test
    void classifiesFilesystemErrors() {
        PosixTransport.Endpoint ep = new PosixTransport.Endpoint("e", root);
        assertThat(PosixErrors.classify(new FileSystemException("f", null, "No space left on device"), ep, "w"))
                .satisfies(e -> {
                    assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
                    assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
                });
        assertThat(PosixErrors.classify(new FileSystemException("f", null, "Disk quota exceeded"), ep, "w").code())
                .isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(PosixErrors.classify(new java.nio.file.AccessDeniedException("f"), ep, "w"))
                .satisfies(e -> {
                    assertThat(e.disposition()).isEqualTo(Disposition.PERMANENT);
                    assertThat(e.code()).isEqualTo(ErrorCode.ACCESS_DENIED);
                });
        assertThat(PosixErrors.classify(new FileSystemException("f", null, "Read-only file system"), ep, "w").code())
                .isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(PosixErrors.classify(new FileSystemException("f", null, "Stale file handle"), ep, "w")
                .disposition()).isEqualTo(Disposition.FAILOVER);
        assertThat(PosixErrors.classify(new IOException("Connection reset"), ep, "w").disposition())
                .isEqualTo(Disposition.RETRY);
        PosixTransport.Endpoint missing = new PosixTransport.Endpoint("m", root.resolve("nope"));
        assertThat(PosixErrors.classify(new IOException("whatever"), missing, "w").disposition())
                .isEqualTo(Disposition.FAILOVER);
    }

    @Test
    void withoutUserXattrsStatFallsBackToSizeAndMtime() throws IOException {
        PosixTransport t = PosixTransport.of(root);
        Files.writeString(root.resolve("plain"), "data");
        Files.setLastModifiedTime(root.resolve("plain"), FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        PosixTransport.Endpoint ep = new PosixTransport.Endpoint("posix-0", root);
        ep.xattrs.set(false);
        try (PosixSession s = new PosixSession(ep, true)) {
            Optional<TargetStat> st = s.stat("plain");
            assertThat(st).isPresent();
            assertThat(st.get().metadata()).containsExactly(
                    Map.entry(MetadataKeys.MTIME_NANOS, Long.toString(1_700_000_000L * 1_000_000_000L)));
        }
        try (TransportSession s = t.openSession("posix-0")) {
            // with xattrs the file's own metadata is reported: none for a foreign file
            assertThat(s.stat("plain").orElseThrow().metadata()).isEmpty();
            assertThat(s.stat("missing")).isEmpty();
        }
        assertThat(Files.isSymbolicLink(root.resolve("plain"))).isFalse();
        assertThat(Files.exists(root.resolve("plain"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void aTargetThatIsADirectoryFailsTheCommitPermanently() throws IOException {
        Files.createDirectories(root.resolve("taken/child"));
        PosixTransport t = PosixTransport.of(root);
        try (TransportSession s = t.openSession("posix-0")) {
            Upload u = s.open("taken", "tok", 1, 1, Map.of());
            s.write(u, 0, bytes("x"), 0);
            s.complete(u, List.of(), 0);
            assertThatThrownBy(() -> s.commit(u, Map.of())).isInstanceOf(TransportException.class)
                    .satisfies(e -> {
                        assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.PERMANENT);
                        assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.INVALID_TARGET_KEY);
                    });
            s.abort(u);
        }
        assertThat(root.resolve("taken/child")).isDirectory();
    }

    @Test
    void longNamesGetAShortenedTempName() {
        String name = "x".repeat(250);
        String temp = PosixSession.tempName(name, "0123456789abcdef");
        assertThat(temp).startsWith(".").endsWith(".0123456789abcdef.migrate-tmp");
        assertThat(temp.length()).isLessThanOrEqualTo(255);
    }
}
