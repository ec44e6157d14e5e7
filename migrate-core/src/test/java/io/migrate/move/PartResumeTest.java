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

        TestExecutionContext second = new TestExecutionContext("n2").sharingLedgersWith(first);
        try (ParallelFileMover mover = mover(PosixTransport.create(PosixTransportConfig.of(dst)))) {
            TaskResult r = mover.move(task(), second);
            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            assertThat(mover.bytesResumed()).isZero();
            assertThat(mover.bytesWritten()).isEqualTo(SIZE);
        }
        assertThat(Files.readAllBytes(dst.resolve("out/big.bin"))).isEqualTo(fresh);
        assertThat(tempFiles()).as("the first run's temporary file is aborted").isEmpty();
    }

    /**
     * A run cancelled half way by its node closing (it still owns the task) keeps the upload its
     * ledger names instead of aborting it, and the next run of the task resumes it.
     */
    @Test
    void aCancelledRunKeepsItsUploadForTheNextRunToResume() throws Exception {
        byte[] data = write(src.resolve("big.bin"), 6);
        TestExecutionContext first = new TestExecutionContext("n1").keepingLedgers();
        FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        t.on(Op.WRITE).nth(9).run(first::shutDown);
        try (ParallelFileMover mover = mover(t)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> mover.move(task(), first))
                    .isInstanceOf(io.migrate.error.MigrateException.class);
            assertThat(t.calls(Op.ABORT)).isZero();
        }
        assertThat(tempFiles()).hasSize(1);

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
                    byte[] mine = zombie.ledgers(0).get(0);
                    owner.saveLedger(0, new String(mine, java.nio.charset.StandardCharsets.UTF_8)
                            .replace(zombie.runId(), owner.runId()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
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
        ParallelFileMover m = ParallelFileMover.builder(t)
                .config(MoverConfig.builder().allowSourceRoot(src).threads(4).rangeSize(RANGE).maxRetries(0).build())
                .build();
        m.start();
        return m;
    }

    private MigrationTask task() {
        return MigrationTask.builder().id("20261129T050000000Z-aaaaaaaaaaaa").sourceRoot(src.toString())
                .addFile("big.bin", "out/big.bin").build();
    }

    private static byte[] write(Path p, long seed) throws IOException {
        byte[] b = new byte[(int) SIZE];
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
