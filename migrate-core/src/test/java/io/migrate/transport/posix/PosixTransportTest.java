package io.migrate.transport.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.move.internal.Crc32c;
import io.migrate.testing.RandomFiles;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.MetadataKeys;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import io.migrate.transport.WriteMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTransportTest {
    @TempDir
    Path root;
    @TempDir
    Path srcDir;

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes());
    }

    private static Upload uploaded(TransportSession s, String key, String token, String content) {
        Upload u = s.open(key, token, content.length(), 1 << 20, Map.of());
        RangeReceipt r = s.write(u, 0, bytes(content), 0);
        s.complete(u, List.of(r), 0);
        return u;
    }

    private static ErrorCode codeOf(Runnable r) {
        try {
            r.run();
            return null;
        } catch (TransportException e) {
            return e.code();
        }
    }

    @Test
    void anAbsentGuardCommitsOnlyWhereNothingIsAndKeepsTheUploadOnAConflict() throws IOException {
        try (TransportSession s = PosixTransport.create(PosixTransportConfig.of(root)).openSession("posix-0")) {
            Upload first = uploaded(s, "k/a", "t1", "first");
            Upload late = uploaded(s, "k/a", "t2", "late");
            s.commit(first, Map.of(), CommitGuard.absent());
            assertThat(Files.readString(root.resolve("k/a"))).isEqualTo("first");
            assertThat(root.resolve(first.tempKey())).doesNotExist();

            assertThat(codeOf(() -> s.commit(late, Map.of(), CommitGuard.absent()))).isEqualTo(ErrorCode.TARGET_CONFLICT);
            assertThat(Files.readString(root.resolve("k/a"))).as("not replaced").isEqualTo("first");
            assertThat(root.resolve(late.tempKey())).as("kept for another commit or the abort").exists();

            // the owner, having re-read the key, commits guarded by what it saw
            s.commit(late, Map.of(), CommitGuard.of(s.stat("k/a")));
            assertThat(Files.readString(root.resolve("k/a"))).isEqualTo("late");
        }
    }

    @Test
    void aMatchesGuardCommitsOnlyOverTheVersionItSaw() throws IOException {
        try (TransportSession s = PosixTransport.create(PosixTransportConfig.of(root)).openSession("posix-0")) {
            s.commit(uploaded(s, "m", "t0", "v0"), Map.of(), CommitGuard.absent());
            TargetStat seen = s.stat("m").orElseThrow();
            assertThat(seen.version()).isNotNull();
            assertThat(s.stat("m").orElseThrow().version()).as("stable while nothing changes").isEqualTo(seen.version());

            Upload zombie = uploaded(s, "m", "t1", "zombie");
            Upload owner = uploaded(s, "m", "t2", "owner");
            s.commit(owner, Map.of(), CommitGuard.matches(seen.version()));
            assertThat(s.stat("m").orElseThrow().version()).as("a new object, a new version").isNotEqualTo(seen.version());

            assertThat(codeOf(() -> s.commit(zombie, Map.of(), CommitGuard.matches(seen.version()))))
                    .isEqualTo(ErrorCode.TARGET_CONFLICT);
            assertThat(Files.readString(root.resolve("m"))).isEqualTo("owner");
            assertThat(codeOf(() -> s.commit(zombie, Map.of(), CommitGuard.absent()))).isEqualTo(ErrorCode.TARGET_CONFLICT);
            s.abort(zombie);
            assertThat(RandomFiles.tempFilesUnder(root)).isEmpty();
        }
    }

    @Test
    void writesRangesOutOfOrderIntoAHiddenTempFileAndCommitsByRenameWithMetadata() throws IOException {
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.builder().endpoint("m", gone).build());
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
        Files.writeString(root.resolve("plain"), "data");
        Files.setLastModifiedTime(root.resolve("plain"), FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        PosixTransport.Endpoint ep = new PosixTransport.Endpoint("posix-0", root);
        ep.xattrs.set(false);
        try (PosixSession s = new PosixSession(ep, true, new CopyLocks())) {
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
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
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
    void theKernelCopyIsOnByDefaultAndCanBeTurnedOff() {
        assertThat(PosixTransport.create(PosixTransportConfig.of(root)).capabilities().copiesLocalFiles()).isTrue();
        PosixTransport off = PosixTransport.create(PosixTransportConfig.builder().endpoint("e", root).copyLocalFiles(false).build());
        assertThat(off.capabilities().copiesLocalFiles()).isFalse();
        assertThat(off.capabilities().writeMode()).isEqualTo(WriteMode.RANDOM_OFFSET);
    }

    @Test
    void copyRangeFromSeveralThreadsStoresTheBytesAndReportsTheirChecksum() throws Exception {
        int range = 1 << 20;
        long size = 5L * range + 17;
        Path source = files().write(srcDir.resolve("big.bin"), size);
        byte[] want = Files.readAllBytes(source);
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
        Upload u;
        try (TransportSession s = t.openSession("posix-0")) {
            u = s.open("out/big.bin", "tok", size, range, Map.of());
        }
        int ranges = (int) ((size + range - 1) / range);
        RangeReceipt[] receipts = new RangeReceipt[ranges];
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (FileChannel src = FileChannel.open(source, StandardOpenOption.READ)) {
            List<Future<?>> done = new ArrayList<>();
            for (int r = ranges - 1; r >= 0; r--) { // last range first: out of order, concurrently
                int i = r;
                done.add(pool.submit(() -> {
                    try (TransportSession s = t.openSession("posix-0")) {
                        long len = Math.min(range, size - (long) i * range);
                        receipts[i] = s.copyRange(u, (long) i * range, src, len);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int r = 0; r < ranges; r++) {
            int len = (int) Math.min(range, size - (long) r * range);
            assertThat(receipts[r].offset()).isEqualTo((long) r * range);
            assertThat(receipts[r].length()).isEqualTo(len);
            assertThat(receipts[r].crc32c()).as("range %d", r)
                    .isEqualTo(Crc32c.of(ByteBuffer.wrap(want, r * range, len)));
        }
        assertThat(Files.readAllBytes(root.resolve(u.tempKey()))).isEqualTo(want);
        assertThat(Unmapper.available()).as("checksum mappings are released at once, not by the GC").isTrue();
    }

    @Test
    void copyRangeOfNothingAndOfOneByteWork() throws IOException {
        Path one = Files.write(srcDir.resolve("one"), new byte[] {42});
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
        try (TransportSession s = t.openSession("posix-0"); FileChannel src = FileChannel.open(one)) {
            Upload empty = s.open("empty", "tok", 0, 8, Map.of());
            assertThat(s.copyRange(empty, 0, src, 0).crc32c()).isZero();
            Upload u = s.open("one", "tok", 1, 8, Map.of());
            assertThat(s.copyRange(u, 0, src, 1).crc32c()).isEqualTo(Crc32c.of(ByteBuffer.wrap(new byte[] {42})));
            assertThatThrownBy(() -> s.copyRange(u, 0, src, 2)).isInstanceOf(TransportException.class)
                    .satisfies(e -> assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST));
            assertThat(Files.readAllBytes(root.resolve(u.tempKey()))).containsExactly(42);
        }
    }

    @Test
    void copyRangeLeavesZerosUnwrittenSoSparseSourcesStaySparse() throws IOException {
        int range = 1 << 20;
        long size = 8L * range;
        Path source = srcDir.resolve("sparse.img");
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 3L * range + 500_000); // mid-range data after zeros
            ch.write(ByteBuffer.wrap(new byte[] {9}), size - 1);
        }
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
        try (TransportSession s = t.openSession("posix-0"); FileChannel src = FileChannel.open(source)) {
            Upload u = s.open("sparse.img", "tok", size, range, Map.of());
            List<RangeReceipt> receipts = new ArrayList<>();
            for (long off = 0; off < size; off += range) {
                receipts.add(s.copyRange(u, off, src, range));
            }
            s.complete(u, receipts, 0);
            s.commit(u, Map.of());
            for (RangeReceipt r : receipts) {
                ByteBuffer expected = ByteBuffer.allocate(range);
                src.read(expected, r.offset());
                assertThat(r.crc32c()).isEqualTo(Crc32c.of(expected.flip()));
            }
        }
        Path target = root.resolve("sparse.img");
        assertThat(Files.mismatch(source, target)).isEqualTo(-1L);
        // two ranges hold data, each from its first non-zero 4 KiB block on: far less than 8 MiB
        assertThat(allocatedBytes(target)).isLessThan(2L * range);
    }

    @Test
    void copyRangeOfASourceThatEndsBeforeTheRangeFailsWithSourceChanged() throws IOException {
        int range = 1 << 20;
        Path source = files().write(srcDir.resolve("short.bin"), range + range / 2);
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
        try (TransportSession s = t.openSession("posix-0"); FileChannel src = FileChannel.open(source)) {
            Upload u = s.open("short.bin", "tok", 3L * range, range, Map.of());
            s.copyRange(u, 0, src, range);
            for (long off : new long[] {range, 2L * range}) { // ends mid-range; ends before the range
                assertThatThrownBy(() -> s.copyRange(u, off, src, range)).as("@%d", off)
                        .isInstanceOf(TransportException.class).satisfies(e -> {
                            assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.PERMANENT);
                            assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.SOURCE_CHANGED);
                        });
            }
            s.abort(u);
            assertThatThrownBy(() -> s.copyRange(u, 0, src, range)).isInstanceOf(TransportException.class);
        }
        try (Stream<Path> left = Files.walk(root)) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void aSourceThatFailsToReadMidCopyIsTheSourcesFaultNotTheDestinations() throws IOException {
        int range = 1 << 20;
        Path source = files().write(srcDir.resolve("bad-sector.bin"), range);
        PosixTransport t = PosixTransport.create(PosixTransportConfig.of(root));
        try (TransportSession s = t.openSession("posix-0"); FileChannel real = FileChannel.open(source);
             FileChannel src = new FailingAfter(real, 64 * 1024)) {
            Upload u = s.open("bad-sector.bin", "tok", range, range, Map.of());
            assertThatThrownBy(() -> s.copyRange(u, 0, src, range)).isInstanceOf(TransportException.class)
                    .satisfies(e -> {
                        // FAILOVER would take the destination out of rotation for every other file
                        assertThat(((TransportException) e).disposition()).isEqualTo(Disposition.PERMANENT);
                        assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.SOURCE_UNREADABLE);
                    });
            s.abort(u);
        }
    }

    /** A source whose reads past {@code limit} and whose transfers fail with EIO, as a bad sector does. */
    private static final class FailingAfter extends FileChannel {
        private final FileChannel real;
        private final long limit;

        FailingAfter(FileChannel real, long limit) {
            this.real = real;
            this.limit = limit;
        }

        private static IOException eio() {
            return new IOException("Input/output error");
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            if (position + dst.remaining() > limit) {
                throw eio();
            }
            return real.read(dst, position);
        }

        @Override
        public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target)
                throws IOException {
            throw eio();
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            throw eio();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            throw eio();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) {
        }

        @Override
        public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw eio();
        }

        @Override
        public java.nio.channels.FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }

    private RandomFiles files() {
        return new RandomFiles(RandomFiles.seed(getClass()));
    }

    /** Bytes the file system allocated to a file ({@code st_blocks}, which Java does not expose). */
    private static long allocatedBytes(Path p) throws IOException {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).redirectErrorStream(true).start();
        String[] out = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
        try {
            assertThat(stat.waitFor()).as(String.join(" ", out)).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    @Test
    void longNamesGetAShortenedTempName() {
        String name = "x".repeat(250);
        String temp = PosixSession.tempName(name, "0123456789abcdef");
        assertThat(temp).startsWith(".").endsWith(".0123456789abcdef.migrate-tmp");
        assertThat(temp.length()).isLessThanOrEqualTo(255);
    }
}
