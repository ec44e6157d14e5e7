package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.error.ErrorCode;
import io.migrate.task.FileOutcome;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.Disposition;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Part-level resume, POSIX → POSIX, with real files: a run that stops half way (its writes fail
 * from the 9th range on and its abort never happens, as in a crash) leaves its temporary file and
 * its part ledger; the next run of the task resumes from the temporary file's verified ranges and
 * sends only the rest; a source rewritten in between makes it start over; an upload removed by
 * someone else during a run is restarted within the run.
 */
class PartResumeTest {
    private static final int MIB = 1 << 20;
    private static final long RANGE = 8L * MIB;
    private static final long SIZE = 16 * RANGE + 12345; // 17 ranges

    @TempDir
    Path tmp;
    Path src;
    Path dst;

    @BeforeEach
    void dirs() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = Files.createDirectories(tmp.resolve("dst"));
    }

    @Test
    void aSecondRunResumesFromTheTemporaryFileAndSendsOnlyWhatWasMissing() throws Exception {
        byte[] data = write(src.resolve("big.bin"), 1);
        TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
        long sentFirst = crashHalfWay(first);

        TestExecutionContext second = new TestExecutionContext("n2").sharingLedgersWith(first);
        try (ParallelFileMover mover = mover(PosixTransport.create(PosixTransportConfig.of(dst)))) {
            TaskResult r = mover.move(task(), second);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(r.files().get(0).outcome()).isEqualTo(FileOutcome.COPIED);
            System.out.printf("POSIX resume: first run sent %d bytes, second run sent %d and resumed %d of %d;"
                    + " ledger writes %s%n", sentFirst, mover.bytesWritten(), mover.bytesResumed(), SIZE,
                    java.util.Arrays.toString(mover.ledgerCost()));
            assertThat(mover.bytesResumed()).isGreaterThanOrEqualTo(8 * RANGE);
            assertThat(mover.bytesWritten() + mover.bytesResumed()).isEqualTo(SIZE);
            // what the first run stored is at least what it recorded: never more than its threads' ranges lost
            assertThat(mover.bytesWritten()).isLessThanOrEqualTo(SIZE - sentFirst + 4 * RANGE);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(data);
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void aSourceRewrittenBetweenTheRunsMakesTheSecondStartOverAndAbortTheOldUpload() throws Exception {
        write(src.resolve("big.bin"), 1);
        TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
        crashHalfWay(first);
        assertThat(tempFiles()).hasSize(1);
        byte[] fresh = write(src.resolve("big.bin"), 2); // same size, other bytes, later mtime
        Files.setLastModifiedTime(src.resolve("big.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));

        secondRunSendsTheWholeFile(first, fresh);
        assertThat(tempFiles()).as("the first run's temporary file is aborted").isEmpty();
    }

    /** Runs the task again on n2 with the first run's ledgers: it resumes nothing and sends all of it. */
    private void secondRunSendsTheWholeFile(TestExecutionContext first, byte[] expected) throws Exception {
        TestExecutionContext second = new TestExecutionContext("n2").sharingLedgersWith(first);
        try (ParallelFileMover mover = mover(PosixTransport.create(PosixTransportConfig.of(dst)))) {
            TaskResult r = mover.move(task(), second);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(mover.bytesResumed()).isZero();
            assertThat(mover.bytesWritten()).isEqualTo(SIZE);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(expected);
    }

    /**
     * A run cancelled half way by its node closing (it still owns the task) keeps the upload its
     * ledger names instead of aborting it, and the next run of the task resumes it.
     */
    @Test
    void aCancelledRunKeepsItsUploadForTheNextRunToResume() throws Exception {
        byte[] data = write(src.resolve("big.bin"), 6);
        TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
        shutDownAtTheNinthWrite(first);

        TestExecutionContext second = new TestExecutionContext("n1").sharingLedgersWith(first);
        try (ParallelFileMover mover = mover(PosixTransport.create(PosixTransportConfig.of(dst)))) {
            TaskResult r = mover.move(task(), second);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(mover.bytesResumed()).isGreaterThanOrEqualTo(4 * RANGE);
            assertThat(mover.bytesWritten() + mover.bytesResumed()).isEqualTo(SIZE);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(data);
        assertThat(tempFiles()).isEmpty();
    }

    /**
     * A run whose journal stopped taking records (a full task root) after a few ranges, then
     * cancelled by its node closing, keeps its upload all the same: what it recorded still names it,
     * and the next run resumes those ranges.
     */
    @Test
    void aCancelledRunWhoseJournalStoppedTakingRecordsStillKeepsItsUpload() throws Exception {
        byte[] data = write(src.resolve("big.bin"), 7);
        TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers().failingLedgerAppendsAfter(2);
        shutDownAtTheNinthWrite(first);

        TestExecutionContext second = new TestExecutionContext("n1").sharingLedgersWith(first);
        try (ParallelFileMover mover = mover(PosixTransport.create(PosixTransportConfig.of(dst)))) {
            TaskResult r = mover.move(task(), second);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(mover.bytesResumed()).as("the ranges the journal took before it stopped").isPositive();
            assertThat(mover.bytesWritten() + mover.bytesResumed()).isEqualTo(SIZE);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(data);
        assertThat(tempFiles()).isEmpty();
    }

    /**
     * Issue #16: a file of more than 800 ranges (1,200 × 64 KiB), its ledger journal in a real task
     * root (fsync'd), its run cancelled by its node closing at the 1,000th range: every range the
     * run stored is in its journal (an append per range, however long the journal), so the next run
     * sends at most threads × range size beyond what the first had not stored. (The whole-file
     * ledger this replaces was rewritten only every size / 64 KiB ranges once past 64 KiB, and
     * could lose more.)
     */
    @Test
    void aFileOfManyRangesCancelledLateResumesSendingAtMostThreadsRangesMore() throws Exception {
        long range = 64 << 10;
        long size = 1200 * range - 1000;
        byte[] data = write(src.resolve("big.bin"), 8, size);
        io.migrate.task.DirectoryTaskStore store = io.migrate.task.DirectoryTaskStore.builder()
                .root(tmp.resolve("root")).build();
        MigrationTask task = task();
        store.submit(task);
        TestExecutionContext first = new TestExecutionContext("n1").ledgersIn(store, task.id());
        FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        t.on(Op.WRITE).nth(1000).run(first::shutDown);
        long sentFirst;
        long[] costFirst;
        try (ParallelFileMover mover = mover(t, range)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> mover.move(task, first))
                    .isInstanceOf(io.migrate.error.MigrateException.class);
            mover.close(); // every range thread has ended: what it stored is counted
            sentFirst = mover.bytesWritten();
            costFirst = mover.ledgerCost();
        }
        long recorded = PartLedgers.recordedBytes(store, task.id(), 0);
        assertThat(recorded).as("every stored range is in the journal").isEqualTo(sentFirst);
        assertThat(recorded).isGreaterThan(900 * range);

        TestExecutionContext second = new TestExecutionContext("n2").ledgersIn(store, task.id());
        try (ParallelFileMover mover = mover(PosixTransport.create(PosixTransportConfig.of(dst)), range)) {
            TaskResult r = mover.move(task, second);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            System.out.printf("POSIX resume of %d ranges: first run sent %d bytes (%d recorded; ledger appends,"
                    + " bytes, ns: %s = %.1f us/append), second run sent %d and resumed %d of %d (bound %d)%n",
                    size / range + 1, sentFirst, recorded, java.util.Arrays.toString(costFirst),
                    costFirst[2] / 1000.0 / Math.max(1, costFirst[0]), mover.bytesWritten(), mover.bytesResumed(),
                    size, size - sentFirst + 4 * range);
            assertThat(mover.bytesWritten() + mover.bytesResumed()).isEqualTo(size);
            assertThat(mover.bytesWritten()).isLessThanOrEqualTo(size - sentFirst + 4 * range);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(data);
        assertThat(tempFiles()).isEmpty();
    }

    /**
     * A zombie (its task taken away) aborts its upload when no other run took it up, and keeps it
     * when another run's ledger names it (that run resumed it and is sending the rest).
     */
    @Test
    void aRunThatLostItsTaskAbortsItsUploadUnlessAnotherRunResumedIt() throws Exception {
        write(src.resolve("big.bin"), 7);
        for (boolean shared : new boolean[] {false, true}) {
            TestExecutionContext zombie = new TestExecutionContext("n1").keepingLedgers();
            TestExecutionContext owner = new TestExecutionContext("n2").sharingLedgersWith(zombie);
            FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
            t.on(Op.WRITE).nth(9).run(() -> {
                zombie.lose();
                if (shared) { // the new owner took up the zombie's upload: its own ledger names it
                    io.migrate.task.TaskStore.Ledger mine = zombie.ledgers(0).get(0);
                    owner.startLedger(0, new String(mine.header(), java.nio.charset.StandardCharsets.UTF_8)
                            .replace(zombie.runId(), owner.runId()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    owner.appendLedger(0, mine.records());
                }
            });
            try (ParallelFileMover mover = mover(t)) {
                TaskResult r = mover.move(task(), zombie);
                assertThat(r.files().get(0).code()).isEqualTo(ErrorCode.SUPERSEDED);
            }
            assertThat(tempFiles()).as("shared %s", shared).hasSize(shared ? 1 : 0);
            tempFiles().forEach(PartResumeTest::delete);
        }
    }

    @Test
    void anUploadRemovedBySomeoneElseIsStartedAgainWithinTheRun() throws Exception {
        byte[] data = write(src.resolve("big.bin"), 3);
        FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        // at the 6th range write, someone (a sweeper, another node) removes the temporary file
        t.on(Op.WRITE).nth(6).run(() -> tempFiles().forEach(PartResumeTest::delete));
        try (ParallelFileMover mover = mover(t)) {
            TaskResult r = mover.move(task(), new TestExecutionContext("n1"));
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(r.files().get(0).outcome()).isEqualTo(FileOutcome.COPIED);
            assertThat(t.calls(Op.OPEN)).isEqualTo(2);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(data);
    }

    @Test
    void aRunThatLostItsTaskDoesNotRestartARemovedUpload() throws Exception {
        write(src.resolve("big.bin"), 4);
        FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        TestExecutionContext ctx = new TestExecutionContext("n1");
        t.on(Op.WRITE).nth(6).run(() -> {
            ctx.lose();
            tempFiles().forEach(PartResumeTest::delete);
        });
        try (ParallelFileMover mover = mover(t)) {
            TaskResult r = mover.move(task(), ctx);
            assertThat(r.files().get(0).code()).isEqualTo(ErrorCode.SUPERSEDED);
            assertThat(t.calls(Op.OPEN)).isEqualTo(1);
        }
        assertThat(dst.resolve("out/big.bin")).doesNotExist();
    }

    /**
     * The temporary file of a run that crashed, removed by the POSIX stale-upload sweeper before the
     * task ran again: the next run finds nothing to resume although its ledger names the file, and
     * sends the whole file.
     */
    @Test
    void anUploadTheSweeperRemovedBeforeTheNextRunIsSentAgainFromTheStart() throws Exception {
        byte[] data = write(src.resolve("big.bin"), 7);
        TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
        crashHalfWay(first);
        assertThat(tempFiles()).hasSize(1);
        try (PosixTransport t = PosixTransport.create(PosixTransportConfig.of(dst))) {
            // an age of 1 ns: the crashed run's file is older than that
            assertThat(t.sweepStaleUploads(java.time.Duration.ofNanos(1))).isEqualTo(1);
        }
        assertThat(tempFiles()).isEmpty();

        secondRunSendsTheWholeFile(first, data);
        assertThat(tempFiles()).isEmpty();
    }

    /** A run whose writes fail from the 9th range on and whose abort never reaches the destination. */
    private long crashHalfWay(TestExecutionContext ctx) {
        FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        t.on(Op.WRITE).calls(9, 1000).fail(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED);
        t.on(Op.ABORT).always().fail(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED);
        try (ParallelFileMover mover = mover(t)) {
            TaskResult r = mover.move(task(), ctx);
            assertThat(r.outcome()).isNotEqualTo(TaskOutcome.SUCCEEDED);
            return mover.bytesWritten();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private ParallelFileMover mover(io.migrate.transport.Transport t) {
        return mover(t, RANGE);
    }

    private ParallelFileMover mover(io.migrate.transport.Transport t, long range) {
        return mover(t, moverConfig(range));
    }

    private ParallelFileMover mover(io.migrate.transport.Transport t, long range, Duration cancelTimeout) {
        return mover(t, moverConfig(range).cancelTimeout(cancelTimeout));
    }

    private MoverConfig.Builder moverConfig(long range) {
        return MoverConfig.builder().allowSourceRoot(src).threads(4).rangeSize(range).maxRetries(0);
    }

    private static ParallelFileMover mover(io.migrate.transport.Transport t, MoverConfig.Builder config) {
        ParallelFileMover m = ParallelFileMover.builder(t).config(config.build()).build();
        m.start();
        return m;
    }

    /**
     * A run of the task whose node closes at its 9th write (it still owns the task): it must keep its
     * upload (no abort, the temporary file stays) for the next run to resume.
     */
    private void shutDownAtTheNinthWrite(TestExecutionContext first) throws Exception {
        FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        t.on(Op.WRITE).nth(9).run(first::shutDown);
        // The mover sees a cancellation within 50 ms; on a fast disk the other eight ranges and the
        // commit can finish sooner. Held until move() has returned, they cannot: the run is
        // cancelled mid-file, every time.
        java.util.concurrent.CountDownLatch moveReturned = new java.util.concurrent.CountDownLatch(1);
        t.on(Op.WRITE).calls(10, Integer.MAX_VALUE).run(() -> awaitQuietly(moveReturned));
        try (ParallelFileMover mover = mover(t, RANGE, Duration.ofMillis(100))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> mover.move(task(), first))
                    .isInstanceOf(io.migrate.error.MigrateException.class);
            moveReturned.countDown();
        }
        assertThat(t.calls(Op.ABORT)).isZero();
        assertThat(tempFiles()).hasSize(1);
    }

    /** Waits (at most 30 s, so a broken test ends) without giving up the thread's interrupt. */
    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("move() did not return within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private MigrationTask task() {
        return MigrationTask.builder().id("20261129T050000000Z-aaaaaaaaaaaa").sourceRoot(src.toString())
                .addFile("big.bin", "out/big.bin").build();
    }

    private static byte[] write(Path p, long seed) throws IOException {
        return write(p, seed, SIZE);
    }

    private static byte[] write(Path p, long seed, long size) throws IOException {
        byte[] b = new byte[(int) size];
        new Random(seed).nextBytes(b);
        Files.write(p, b);
        return b;
    }

    private java.util.List<Path> tempFiles() {
        try (Stream<Path> s = Files.walk(dst)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".migrate-tmp")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
