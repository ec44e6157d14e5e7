package io.migrate.transport.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import io.migrate.transport.UploadGoneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The stale-upload sweeper of the POSIX transport on real files: age comes from a clock moved
 * forward (a file's ctime cannot be set back), never from sleeping.
 */
class PosixStaleUploadSweepTest {
    private static final Duration AGE = Duration.ofHours(24);
    private static final String TOKEN = "0123456789abcdef";

    @TempDir
    Path root;
    @TempDir
    Path outside;

    /** A clock the test moves; read by the sweeper thread too, hence volatile. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private final MovableClock clock = new MovableClock();

    private PosixTransport transport() {
        return PosixTransport.create(PosixTransportConfig.builder().endpoint("posix-0", root)
                .staleUploadSweepInterval(Duration.ZERO).build(), clock);
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    /** An upload with its first range written, left as a cancelled run leaves it. */
    private static Upload started(TransportSession s, String key, String token, byte[] range, long size) {
        Upload u = s.open(key, token, size, range.length, Map.of());
        s.write(u, 0, ByteBuffer.wrap(range), crc(range));
        return u;
    }

    private Path temp(Upload u) {
        return root.resolve(u.tempKey());
    }

    @Test
    void anUploadNoRunCameBackForIsRemovedAfterTheAgeAndAFreshOneIsKept() throws IOException {
        try (PosixTransport t = transport(); TransportSession s = t.openSession("posix-0")) {
            Upload old = started(s, "a/b/old.bin", TOKEN, "abcd".getBytes(StandardCharsets.UTF_8), 8);
            clock.advance(Duration.ofHours(23));
            assertThat(t.sweepStaleUploads(AGE)).as("23 h unchanged: kept").isZero();
            assertThat(temp(old)).exists();

            clock.advance(Duration.ofHours(2));
            Upload fresh = started(s, "a/fresh.bin", "fedcba9876543210", "wxyz".getBytes(StandardCharsets.UTF_8), 8);
            // written "now" on the clock: its mtime is the real time, behind the clock, so stamp it as the clock says
            Files.setLastModifiedTime(temp(fresh), FileTime.from(clock.instant()));

            assertThat(t.sweepStaleUploads(AGE)).isEqualTo(1);
            assertThat(temp(old)).doesNotExist();
            assertThat(temp(fresh)).exists();
            assertThat(root.resolve("a/b")).isDirectory(); // directories stay: a target may come later
            assertThat(t.sweptUploads()).isEqualTo(1);
            assertThat(t.sweptBytes()).isEqualTo(8);
        }
    }

    @Test
    void aFileBeingCommittedIsNotRemovedAlthoughItsMtimeIsTheSourcesOldOne() throws IOException {
        try (PosixTransport t = transport(); TransportSession s = t.openSession("posix-0")) {
            Upload u = started(s, "c.bin", TOKEN, "abcd".getBytes(StandardCharsets.UTF_8), 4);
            // the commit stamps the temporary file with the source's mtime before the rename
            Files.setLastModifiedTime(temp(u), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
            assertThat(t.sweepStaleUploads(AGE)).as("its ctime is now").isZero();
            assertThat(temp(u)).exists();
        }
    }

    @Test
    void userFilesWithSimilarNamesDirectoriesAndSymlinksAreLeftAlone() throws IOException {
        List<String> userNames = List.of(".x.migrate-tmp", "x.0123456789abcdef.migrate-tmp",
                ".x.0123456789ABCDEF.migrate-tmp", ".x.0123456789abcde.migrate-tmp", ".x.0123456789abcdef.migrate-tmp.bak",
                ".x.0123456789abcdef.migrate-tmpx", "..0123456789abcdef.migrate-tmp", "x.migrate-tmp");
        for (String n : userNames) {
            Files.writeString(root.resolve(n), "user data");
        }
        Files.createDirectories(root.resolve(".dir.0123456789abcdef.migrate-tmp"));
        // a symlink with a temporary name, pointing at a file outside the root
        Path victim = Files.writeString(outside.resolve("victim"), "outside");
        Files.createSymbolicLink(root.resolve(".link.0123456789abcdef.migrate-tmp"), victim);
        // a symlinked directory leading outside the root, holding what would be a stale temporary file
        Path outsideTemp = Files.writeString(outside.resolve(".o.0123456789abcdef.migrate-tmp"), "outside temp");
        Files.createSymbolicLink(root.resolve("escape"), outside);

        clock.advance(Duration.ofDays(400));
        try (PosixTransport t = transport()) {
            assertThat(t.sweepStaleUploads(AGE)).isZero();
        }
        for (String n : userNames) {
            assertThat(root.resolve(n)).exists();
        }
        assertThat(root.resolve(".dir.0123456789abcdef.migrate-tmp")).isDirectory();
        assertThat(root.resolve(".link.0123456789abcdef.migrate-tmp")).isSymbolicLink();
        assertThat(victim).hasContent("outside");
        assertThat(outsideTemp).hasContent("outside temp");
    }

    @Test
    void aTargetWithATemporaryFilesNameIsRefusedSoTheSweeperCannotRemoveACommittedFile() {
        try (PosixTransport t = transport(); TransportSession s = t.openSession("posix-0")) {
            assertThatThrownBy(() -> s.open("d/.x.0123456789abcdef.migrate-tmp", TOKEN, 1, 1, Map.of()))
                    .isInstanceOf(TransportException.class)
                    .satisfies(e -> assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.INVALID_TARGET_KEY));
            // a similar name that is not reserved is an ordinary target
            Upload u = s.open("d/.x.0123456789abcdef.migrate-tmp.bak", TOKEN, 1, 1, Map.of());
            assertThat(temp(u)).exists();
        }
    }

    @Test
    void aResumedUploadIsStampedInUseAndNotRemovedAndFinishes() throws IOException {
        byte[] first = "abcd".getBytes(StandardCharsets.UTF_8);
        byte[] second = "efgh".getBytes(StandardCharsets.UTF_8);
        try (PosixTransport t = transport(); TransportSession s = t.openSession("posix-0")) {
            Upload u = started(s, "r/resumed.bin", TOKEN, first, 8);
            RangeReceipt recorded = new RangeReceipt(0, 4, crc(first), null);

            clock.advance(Duration.ofHours(25)); // the next run comes just before the sweep would
            Optional<List<RangeReceipt>> held = s.resume(u, List.of(recorded));
            assertThat(held).contains(List.of(recorded));
            assertThat(Files.getLastModifiedTime(temp(u), LinkOption.NOFOLLOW_LINKS).toInstant())
                    .isEqualTo(clock.instant());

            assertThat(t.sweepStaleUploads(AGE)).as("stamped in use by the resume").isZero();
            s.write(u, 4, ByteBuffer.wrap(second), crc(second));
            s.complete(u, List.of(recorded, new RangeReceipt(4, 4, crc(second), null)), 0);
            s.commit(u, Map.of());
            assertThat(root.resolve("r/resumed.bin")).hasContent("abcdefgh");
        }
    }

    @Test
    void anUploadRemovedByTheSweeperIsGoneForItsRunWhichStartsOver() throws IOException {
        byte[] first = "abcd".getBytes(StandardCharsets.UTF_8);
        try (PosixTransport t = transport(); TransportSession s = t.openSession("posix-0")) {
            Upload u = started(s, "g/gone.bin", TOKEN, first, 8);
            clock.advance(Duration.ofHours(25));
            assertThat(t.sweepStaleUploads(AGE)).isEqualTo(1);

            // a later run finds nothing to resume (the mover then opens a new upload) ...
            assertThat(s.resume(u, List.of(new RangeReceipt(0, 4, crc(first), null)))).isEmpty();
            // ... and a run still writing it gets UploadGoneException (the mover restarts the file)
            assertThatThrownBy(() -> s.write(u, 4, ByteBuffer.wrap(first), crc(first)))
                    .isInstanceOf(UploadGoneException.class);
            assertThatThrownBy(() -> s.commit(u, Map.of())).isInstanceOf(UploadGoneException.class);
            assertThat(temp(u)).doesNotExist();
        }
    }

    @Test
    void theBackgroundSweepWalksInBoundedStepsAndLogsWhatItRemoved() throws IOException {
        // 30 directories of 5 files each and one stale temporary file in the deepest one
        Path deep = root;
        for (int d = 0; d < 30; d++) {
            deep = Files.createDirectories(deep.resolve("d" + d));
            for (int f = 0; f < 5; f++) {
                Files.writeString(deep.resolve("f" + f), "x");
            }
        }
        Path stale = Files.writeString(deep.resolve(".late.0123456789abcdef.migrate-tmp"), "left behind");
        clock.advance(Duration.ofDays(2));

        Logger logger = (Logger) LoggerFactory.getLogger(TempSweeper.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        Level was = logger.getLevel();
        logger.setLevel(Level.INFO);
        try (TempSweeper sweeper = new TempSweeper("posix-0", root, clock, 7)) {
            int steps = 0;
            TempSweeper.Result r;
            do {
                r = sweeper.step(AGE);
                steps++;
                assertThat(steps).as("a walk of ~186 entries in steps of 7 ends").isLessThan(100);
            } while (r == null);
            assertThat(steps).as("several bounded steps, not one").isGreaterThan(20);
            assertThat(r.removed()).isEqualTo(1);
            assertThat(r.removedBytes()).isEqualTo("left behind".length());
            assertThat(r.visited()).isEqualTo(30 + 30 * 5 + 1);
            assertThat(sweeper.walking()).isFalse();
        } finally {
            logger.detachAppender(events);
            logger.setLevel(was);
        }
        assertThat(stale).doesNotExist();
        assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("removed the stale temporary file", stale.toString(),
                        "11 bytes"));
    }

    @Test
    void theWalkHoldsOneDirectoryPerLevelAndSaysWhatWasTooDeep() throws IOException {
        Path dir = root;
        Path withinReach = null;
        for (int depth = 1; depth <= TempSweeper.MAX_DEPTH + 2; depth++) {
            dir = Files.createDirectories(dir.resolve("d"));
            if (depth == TempSweeper.MAX_DEPTH - 1) {
                withinReach = Files.writeString(dir.resolve(".a.0123456789abcdef.migrate-tmp"), "x");
            }
        }
        Path beyond = Files.writeString(dir.resolve(".b.0123456789abcdef.migrate-tmp"), "x");
        clock.advance(Duration.ofDays(2));
        try (TempSweeper sweeper = new TempSweeper("posix-0", root, clock, 1000)) {
            TempSweeper.Result r = sweeper.sweepAll(AGE);
            assertThat(r.removed()).isEqualTo(1);
            assertThat(r.tooDeep()).isEqualTo(1);
        }
        assertThat(withinReach).doesNotExist();
        assertThat(beyond).exists();
    }

    @Test
    void theSweeperThreadRemovesStaleFilesAndCloseStopsIt() throws Exception {
        Path stale = Files.writeString(root.resolve(".s.0123456789abcdef.migrate-tmp"), "stale");
        clock.advance(Duration.ofDays(2));
        java.util.Set<Thread> before = sweeperThreads();
        PosixTransport t = PosixTransport.create(PosixTransportConfig.builder().endpoint("posix-0", root)
                .staleUploadSweepInterval(Duration.ofMillis(20)).build(), clock);
        Thread sweeper = null;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (t.sweptUploads() == 0) {
                assertThat(System.nanoTime()).as("the sweeper thread removed the stale file in time").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // polls progress
            }
            assertThat(stale).doesNotExist();
            java.util.Set<Thread> ours = sweeperThreads();
            ours.removeAll(before); // other tests' transports have sweeper threads too
            assertThat(ours).as("one named sweeper thread").hasSize(1);
            sweeper = ours.iterator().next();
        } finally {
            t.close();
        }
        assertThat(t.sweeperStopped()).isTrue();
        sweeper.join(Duration.ofSeconds(10).toMillis());
        assertThat(sweeper.isAlive()).isFalse();
        t.close(); // idempotent
        assertThatThrownBy(() -> t.sweepStaleUploads(AGE)).isInstanceOf(TransportException.class);
    }

    private static java.util.Set<Thread> sweeperThreads() {
        java.util.Set<Thread> s = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().stream().filter(th -> th.getName().startsWith("migrate-posix-sweeper-"))
                .forEach(s::add);
        return s;
    }

    @Test
    void anInterruptedSweepOnDemandStopsAndSaysCancelled() throws IOException {
        Files.createDirectories(root.resolve("x/y"));
        try (PosixTransport t = transport()) {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> t.sweepStaleUploads(AGE)).isInstanceOf(TransportException.class)
                        .satisfies(e -> assertThat(((TransportException) e).code()).isEqualTo(ErrorCode.CANCELLED));
                assertThat(Thread.currentThread().isInterrupted()).as("the flag is kept").isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Test
    void aTransportWithTheSweeperOffHasNoThread() {
        try (PosixTransport t = transport()) {
            assertThat(t.sweeperStopped()).isTrue();
        }
    }

    @Test
    void settingsAreValidatedNamingTheirFullKeys() {
        PosixTransportConfig d = PosixTransportConfig.of(root);
        assertThat(d.staleUploadAge()).isEqualTo(Duration.ofHours(24));
        assertThat(d.staleUploadSweepInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(d.toBuilder().build().staleUploadAge()).isEqualTo(Duration.ofHours(24));
        assertThatThrownBy(() -> PosixTransportConfig.builder().endpoint("a", root).staleUploadAge(Duration.ZERO).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("transport.posix.staleUploadAge")
                .satisfies(e -> assertThat(((ConfigurationException) e).code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION));
        assertThatThrownBy(() -> PosixTransportConfig.builder().endpoint("a", root).staleUploadAge(null).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("transport.posix.staleUploadAge");
        assertThatThrownBy(() -> PosixTransportConfig.builder().endpoint("a", root)
                .staleUploadSweepInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("transport.posix.staleUploadSweepInterval").hasMessageContaining("zero (off)");
        assertThat(PosixTransportConfig.builder().endpoint("a", root).staleUploadSweepInterval(Duration.ZERO).build()
                .staleUploadSweepInterval()).isZero();
    }

    @Test
    void propertiesSetTheSweeperAndZeroTurnsItOff() {
        io.migrate.node.internal.PosixTransportProvider provider = new io.migrate.node.internal.PosixTransportProvider();
        try (PosixTransport t = (PosixTransport) provider.create(io.migrate.config.Settings.of(Map.of(
                "transport.posix.root", root.toString(), "transport.posix.staleUploadAge", "2d",
                "transport.posix.staleUploadSweepInterval", "0")).under("transport."))) {
            assertThat(t.config().staleUploadAge()).isEqualTo(Duration.ofDays(2));
            assertThat(t.config().staleUploadSweepInterval()).isZero();
            assertThat(t.sweeperStopped()).isTrue();
        }
        try (PosixTransport t = (PosixTransport) provider.create(io.migrate.config.Settings.of(Map.of(
                "transport.posix.root", root.toString(), "transport.posix.staleUploadSweepInterval", "30m"))
                .under("transport."))) {
            assertThat(t.config().staleUploadSweepInterval()).isEqualTo(Duration.ofMinutes(30));
            assertThat(t.config().staleUploadAge()).isEqualTo(Duration.ofHours(24));
        }
        assertThatThrownBy(() -> provider.create(io.migrate.config.Settings.of(Map.of(
                "transport.posix.root", root.toString(), "transport.posix.staleUploadAge", "0s")).under("transport.")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("transport.posix.staleUploadAge");
    }
}
