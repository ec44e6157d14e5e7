package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.move.internal.Crc32c;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.RandomFiles;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.Disposition;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.WriteMode;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import io.migrate.worker.ExecutionContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mover against real files through the POSIX transport, with faults injected around it. */
class ParallelFileMoverTest {
    private static final long MIB = 1 << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    RandomFiles files;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = Files.createDirectories(tmp.resolve("dst"));
        files = new RandomFiles(RandomFiles.seed(getClass()));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private MoverConfig.Builder config() {
        return MoverConfig.builder().allowSourceRoot(src).threads(4).rangeSize(1 * MIB).maxInFlightBytes(8 * MIB)
                .splitThreshold(2 * MIB).backoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .healthCheckInterval(Duration.ofMillis(100)).endpointWait(Duration.ofSeconds(10))
                .cancelTimeout(Duration.ofSeconds(20));
    }

    private ParallelFileMover mover(Transport t, MoverConfig c) {
        return mover(t, c, MoveListener.NONE);
    }

    private ParallelFileMover mover(Transport t, MoverConfig c, MoveListener listener) {
        ParallelFileMover m = ParallelFileMover.builder(t).config(c).listener(listener).build();
        toClose.add(m);
        m.start();
        return m;
    }

    private FaultInjectingTransport faulty() {
        return new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
    }

    private MigrationTask task(String... names) {
        MigrationTask.Builder b = MigrationTask.builder().sourceRoot(src.toString());
        for (String n : names) {
            b.addFile(n, "out/" + n);
        }
        return b.build();
    }

    private static CompletableFuture<TaskResult> moveAsync(ParallelFileMover m, MigrationTask t,
            TestExecutionContext c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return m.move(t, c);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static TestExecutionContext ctx() {
        return new TestExecutionContext("n1");
    }

    private boolean copied(String name) {
        return RandomFiles.sameContent(src.resolve(name), dst.resolve("out/" + name));
    }

    private static FileResult file(TaskResult r, String name) {
        return r.files().stream().filter(f -> f.sourcePath().equals(name)).findFirst().orElseThrow();
    }

    private static int crcOf(Path p) throws IOException {
        return Crc32c.of(ByteBuffer.wrap(Files.readAllBytes(p)));
    }

    @Test
    void copiesSmallAndSplitFilesByteForByteWithChecksumsAndExactProgress() throws Exception {
        files.write(src.resolve("a.bin"), 1000);
        files.write(src.resolve("empty"), 0);
        files.write(src.resolve("exact.bin"), 3 * MIB);
        files.write(src.resolve("odd.bin"), 5 * MIB + 17);
        List<MoveProgress> seen = new CopyOnWriteArrayList<>();
        List<FileResult> done = new CopyOnWriteArrayList<>();
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build(), new MoveListener() {
            @Override
            public void onProgress(MoveProgress p) {
                seen.add(p);
            }

            @Override
            public void onFileDone(String taskId, FileResult result) {
                done.add(result);
            }
        });
        TestExecutionContext ctx = ctx();

        TaskResult r = m.move(task("a.bin", "empty", "exact.bin", "odd.bin"), ctx);

        assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(r.runId()).isEqualTo(ctx.runId());
        for (String n : List.of("a.bin", "empty", "exact.bin", "odd.bin")) {
            assertThat(copied(n)).as(n).isTrue();
            assertThat(file(r, n).checksum()).as(n).isEqualTo(Crc32c.format(crcOf(src.resolve(n))));
            assertThat(file(r, n).outcome()).isEqualTo(FileOutcome.COPIED);
        }
        long total = 1000 + 8 * MIB + 17;
        assertThat(ctx.lastBytes()).isEqualTo(total);
        assertThat(ctx.maxBytes()).isEqualTo(total);
        assertThat(ctx.lastFiles()).isEqualTo(4);
        assertThat(seen).allSatisfy(p -> assertThat(p.taskBytesDone()).isLessThanOrEqualTo(p.taskBytesTotal()));
        assertThat(done).hasSize(4);
        assertThat(m.bytesSent()).isEqualTo(total);
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    @Test
    void trickyNamesAndSparseFilesArriveIntact() throws Exception {
        for (String n : RandomFiles.TRICKY_NAMES) {
            files.write(src.resolve(n), files.random().nextInt(3000));
        }
        files.writeSparse(src.resolve("sparse.img"), 7 * MIB + 3, 3);
        List<String> names = new ArrayList<>(RandomFiles.TRICKY_NAMES);
        names.add("sparse.img");
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build());

        TaskResult r = m.move(task(names.toArray(String[]::new)), ctx());

        assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        for (String n : names) {
            assertThat(copied(n)).as(n).isTrue();
        }
    }

    @Test
    void aSecondRunSkipsFilesAlreadyCommittedWithTheSameFingerprintButCopiesChangedOnes() throws Exception {
        files.write(src.resolve("same.bin"), 5000);
        files.write(src.resolve("changed.bin"), 5000);
        FaultInjectingTransport t = faulty();
        ParallelFileMover m = mover(t, config().build());
        TaskResult first = m.move(task("same.bin", "changed.bin"), ctx());
        assertThat(first.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        files.write(src.resolve("changed.bin"), 5000);

        TaskResult second = m.move(task("same.bin", "changed.bin"), ctx());

        assertThat(file(second, "same.bin").outcome()).isEqualTo(FileOutcome.SKIPPED_IDENTICAL);
        assertThat(file(second, "same.bin").checksum()).isEqualTo(file(first, "same.bin").checksum());
        assertThat(file(second, "changed.bin").outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(copied("changed.bin")).isTrue();
        assertThat(t.writes("out/same.bin")).hasSize(1);
    }

    @Test
    void retryableErrorsHealAndRetriedBytesAreCountedOnce() throws Exception {
        files.write(src.resolve("small.bin"), 4000);
        files.write(src.resolve("big.bin"), 6 * MIB + 5);
        FaultInjectingTransport t = faulty();
        t.on(Op.WRITE).key("out/small.bin").times(3).fail(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);
        t.on(Op.WRITE).key("out/big.bin").calls(2, 4).fail(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);
        t.on(Op.COMMIT).key("out/big.bin").nth(1).fail(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);
        ParallelFileMover m = mover(t, config().build());
        TestExecutionContext ctx = ctx();

        TaskResult r = m.move(task("small.bin", "big.bin"), ctx);

        assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(file(r, "small.bin").attempts()).isEqualTo(4);
        assertThat(file(r, "big.bin").attempts()).isEqualTo(6);
        assertThat(copied("small.bin")).isTrue();
        assertThat(copied("big.bin")).isTrue();
        assertThat(ctx.maxBytes()).isEqualTo(4000 + 6 * MIB + 5);
    }

    @Test
    void retriesRunOutIntoTheErrorsCodeAndLeaveNoTempFile() throws Exception {
        files.write(src.resolve("doomed.bin"), 3 * MIB);
        files.write(src.resolve("fine.bin"), 100);
        FaultInjectingTransport t = faulty();
        t.on(Op.WRITE).key("out/doomed.bin").always().fail(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);
        ParallelFileMover m = mover(t, config().maxRetries(2).build());

        TaskResult r = m.move(task("doomed.bin", "fine.bin"), ctx());

        assertThat(r.outcome()).isEqualTo(TaskOutcome.PARTIALLY_FAILED);
        assertThat(file(r, "doomed.bin").code()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
        assertThat(file(r, "doomed.bin").attempts()).isGreaterThanOrEqualTo(3);
        assertThat(dst.resolve("out/doomed.bin")).doesNotExist();
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
        assertThat(copied("fine.bin")).isTrue();
    }

    @Test
    void aPermanentErrorFailsOnlyThatFileWithItsCode() throws Exception {
        files.write(src.resolve("a.bin"), 2000);
        files.write(src.resolve("quota.bin"), 2000);
        files.write(src.resolve("denied-big.bin"), 4 * MIB);
        files.write(src.resolve("c.bin"), 3 * MIB);
        FaultInjectingTransport t = faulty();
        t.on(Op.OPEN).key("out/quota.bin").always().fail(Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED);
        t.on(Op.WRITE).key("out/denied-big.bin").nth(2).fail(Disposition.PERMANENT, ErrorCode.ACCESS_DENIED);
        ParallelFileMover m = mover(t, config().build());

        TaskResult r = m.move(task("a.bin", "quota.bin", "denied-big.bin", "c.bin"), ctx());

        assertThat(r.outcome()).isEqualTo(TaskOutcome.PARTIALLY_FAILED);
        assertThat(file(r, "quota.bin").code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(file(r, "quota.bin").attempts()).isEqualTo(1);
        assertThat(file(r, "denied-big.bin").code()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(dst.resolve("out/quota.bin")).doesNotExist();
        assertThat(dst.resolve("out/denied-big.bin")).doesNotExist();
        assertThat(copied("a.bin")).isTrue();
        assertThat(copied("c.bin")).isTrue();
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    @Test
    void failoverMovesWorkToAnotherEndpointAndTheHeartbeatBringsTheFirstBack() throws Exception {
        Path mountB = Files.createSymbolicLink(tmp.resolve("dst-b"), dst); // a second mount of dst
        FaultInjectingTransport t = new FaultInjectingTransport(
                PosixTransport.create(PosixTransportConfig.builder().endpoint("a", dst).endpoint("b", mountB).build()));
        for (int i = 0; i < 6; i++) {
            files.write(src.resolve("f" + i), 3 * MIB + i);
        }
        // a's first connection and some of its writes fail over while it stays healthy for the heartbeat
        t.on(Op.OPEN_SESSION).endpoint("a").nth(1).fail(Disposition.FAILOVER, ErrorCode.ENDPOINTS_UNAVAILABLE);
        t.on(Op.WRITE).endpoint("a").times(3).fail(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED);
        ParallelFileMover m = mover(t, config().build());

        TaskResult r = m.move(task("f0", "f1", "f2"), ctx());

        assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(r.files()).allSatisfy(f -> assertThat(copied(f.sourcePath())).isTrue());
        // every injected failover cost exactly one more attempt, and none failed a file
        assertThat(t.injected()).isPositive();
        assertThat(r.files().stream().mapToInt(FileResult::attempts).sum()).isEqualTo(3 + t.injected());
        await().atMost(DEADLINE).until(() -> m.healthyEndpoints().equals(List.of("a", "b")));

        // a goes away entirely: everything goes through b
        t.endpointDown("a", true);
        await().atMost(DEADLINE).until(() -> m.healthyEndpoints().equals(List.of("b")));
        int writesOnB = t.calls(Op.WRITE, "b");
        TaskResult r2 = m.move(task("f3", "f4"), ctx());
        assertThat(r2.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(t.calls(Op.WRITE, "b") - writesOnB).isGreaterThanOrEqualTo(2 * 4);

        // a comes back and the heartbeat returns it to rotation; then b goes: a carries everything
        t.endpointDown("a", false);
        await().atMost(DEADLINE).until(() -> m.healthyEndpoints().equals(List.of("a", "b")));
        t.endpointDown("b", true);
        await().atMost(DEADLINE).until(() -> m.healthyEndpoints().equals(List.of("a")));
        int writesOnA = t.calls(Op.WRITE, "a");
        TaskResult r3 = m.move(task("f5"), ctx());
        assertThat(r3.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(t.calls(Op.WRITE, "a")).isGreaterThan(writesOnA);
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    @Test
    void noHealthyEndpointFailsTheFilesWithEndpointsUnavailable() throws Exception {
        files.write(src.resolve("x.bin"), 100);
        FaultInjectingTransport t = faulty();
        t.endpointDown("posix-0", true);
        ParallelFileMover m = mover(t, config().endpointWait(Duration.ofMillis(300)).build());

        TaskResult r = m.move(task("x.bin"), ctx());

        assertThat(file(r, "x.bin").code()).isEqualTo(ErrorCode.ENDPOINTS_UNAVAILABLE);
        assertThat(ErrorCode.ENDPOINTS_UNAVAILABLE.retryable()).isTrue();
    }

    @Test
    void aSourceModifiedDuringTheCopyFailsWithSourceChangedAndCommitsNothing() throws Exception {
        Path big = files.write(src.resolve("busy.bin"), 5 * MIB);
        Path shrinking = files.write(src.resolve("shrinking.bin"), 5 * MIB);
        files.write(src.resolve("calm.bin"), 3000);
        FaultInjectingTransport t = faulty();
        t.on(Op.WRITE).key("out/busy.bin").nth(2).run(() -> overwriteFirstByte(big));
        t.on(Op.WRITE).key("out/shrinking.bin").nth(1).run(() -> truncate(shrinking, MIB + 1));
        ParallelFileMover m = mover(t, config().build());
        TestExecutionContext ctx = ctx();

        TaskResult r = m.move(task("busy.bin", "shrinking.bin", "calm.bin"), ctx);

        assertThat(file(r, "busy.bin").code()).isEqualTo(ErrorCode.SOURCE_CHANGED);
        assertThat(file(r, "shrinking.bin").code()).isEqualTo(ErrorCode.SOURCE_CHANGED);
        assertThat(ErrorCode.SOURCE_CHANGED.retryable()).isTrue();
        assertThat(dst.resolve("out/busy.bin")).doesNotExist();
        assertThat(dst.resolve("out/shrinking.bin")).doesNotExist();
        assertThat(copied("calm.bin")).isTrue();
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
        assertThat(ctx.maxBytes()).isLessThanOrEqualTo(10 * MIB + 3000);
    }

    private static void overwriteFirstByte(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42}), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void truncate(Path p, long size) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void cancellationStopsWithinTheBoundAndLeavesNoTempFiles() throws Exception {
        for (int i = 0; i < 3; i++) {
            files.write(src.resolve("big" + i), 6 * MIB);
        }
        for (int i = 0; i < 10; i++) {
            files.write(src.resolve("small" + i), 1000);
        }
        FaultInjectingTransport t = faulty();
        t.on(Op.WRITE).always().delay(Duration.ofMillis(150)); // slow destination
        ParallelFileMover m = mover(t, config().build());
        TestExecutionContext ctx = ctx();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            names.add("big" + i);
        }
        for (int i = 0; i < 10; i++) {
            names.add("small" + i);
        }
        CompletableFuture<TaskResult> run = moveAsync(m, task(names.toArray(String[]::new)), ctx);
        await().atMost(DEADLINE).until(() -> t.calls(Op.WRITE) >= 4);

        ctx.cancel();

        await().atMost(Duration.ofSeconds(10)).until(run::isDone);
        assertThatThrownBy(run::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(MigrateException.class)
                .satisfies(e -> assertThat(((MigrateException) e).code()).isEqualTo(ErrorCode.CANCELLED));
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
        for (int i = 0; i < 3; i++) {
            assertThat(dst.resolve("out/big" + i)).doesNotExist();
        }
        assertThat(t.calls(Op.ABORT)).isGreaterThanOrEqualTo(1);
    }

    /** A mover over a slow destination (150 ms per write) and an 8 MiB source file {@code big}. */
    private ParallelFileMover slowMoverWithBigFile(FaultInjectingTransport t) {
        files.write(src.resolve("big"), 8 * MIB);
        t.on(Op.WRITE).always().delay(Duration.ofMillis(150));
        return mover(t, config().build());
    }

    @Test
    void interruptingTheCallerAbortsTheTasksUploads() throws Exception {
        FaultInjectingTransport t = faulty();
        ParallelFileMover m = slowMoverWithBigFile(t);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                m.move(task("big"), ctx());
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "test-caller");
        caller.start();
        await().atMost(DEADLINE).until(() -> t.calls(Op.WRITE) >= 2);

        caller.interrupt();

        caller.join(Duration.ofSeconds(10).toMillis());
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
        assertThat(dst.resolve("out/big")).doesNotExist();
    }

    @Test
    void closingTheMoverCancelsRunningTasks() throws Exception {
        FaultInjectingTransport t = faulty();
        ParallelFileMover m = slowMoverWithBigFile(t);
        CompletableFuture<TaskResult> run = moveAsync(m, task("big"), ctx());
        await().atMost(DEADLINE).until(() -> t.calls(Op.WRITE) >= 2);

        m.close();
        m.close(); // idempotent

        await().atMost(Duration.ofSeconds(10)).until(run::isDone);
        assertThatThrownBy(run::get).cause().isInstanceOf(MigrateException.class);
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
        assertThatThrownBy(() -> m.move(task("big"), ctx())).isInstanceOf(MigrateException.class);
    }

    @Test
    void sourcesOutsideTheRootAreRefusedAndNeverCopied() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path secret = Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(src.resolve("link.txt"), secret);
        Files.createSymbolicLink(src.resolve("dirlink"), outside);
        Files.writeString(src.resolve("inside.txt"), "fine");
        Files.createSymbolicLink(src.resolve("inside-link.txt"), src.resolve("inside.txt"));
        Files.createDirectories(src.resolve("adir"));
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build());

        TaskResult r = m.move(task("link.txt", "dirlink/secret.txt", "../outside/secret.txt", "inside.txt",
                "inside-link.txt", "adir", "missing.txt"), ctx());

        assertThat(file(r, "link.txt").code()).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(file(r, "dirlink/secret.txt").code()).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(file(r, "../outside/secret.txt").code()).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(file(r, "adir").code()).isEqualTo(ErrorCode.SOURCE_NOT_REGULAR_FILE);
        assertThat(file(r, "missing.txt").code()).isEqualTo(ErrorCode.SOURCE_NOT_FOUND);
        assertThat(file(r, "inside.txt").outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(file(r, "inside-link.txt").outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(Files.readString(dst.resolve("out/inside-link.txt"))).isEqualTo("fine");
        assertThat(dst.resolve("out/link.txt")).doesNotExist();
        assertThat(dst.resolve("out/dirlink/secret.txt")).doesNotExist();
    }

    @Test
    void aSourceRootOutsideTheAllowedRootsFailsEveryFile() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("f"), "x");
        Path sneaky = Files.createSymbolicLink(src.resolve("sneaky-root"), other);
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build());

        for (Path root : List.of(other, sneaky)) {
            MigrationTask t = MigrationTask.builder().sourceRoot(root.toString()).addFile("f", "f").build();
            TaskResult r = m.move(t, ctx());
            assertThat(r.outcome()).isEqualTo(TaskOutcome.FAILED);
            assertThat(r.files().get(0).code()).as(root.toString()).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        }
        assertThat(dst.resolve("f")).doesNotExist();
    }

    @Test
    void anUnreadableSourceIsReportedAsSuch() throws Exception {
        assumeThat(System.getProperty("user.name")).as("root reads everything").isNotEqualTo("root");
        Path f = Files.writeString(src.resolve("locked"), "x");
        Files.setPosixFilePermissions(f, java.util.Set.of());
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build());
        assertThat(m.move(task("locked"), ctx()).files().get(0).code()).isEqualTo(ErrorCode.SOURCE_UNREADABLE);
    }

    @Test
    void theSameFileInTwoConcurrentTasksIsMovedOnceAndBothGetTheResult() throws Exception {
        files.write(src.resolve("shared.bin"), 3000);
        files.write(src.resolve("own.bin"), 3000);
        FaultInjectingTransport t = faulty();
        t.on(Op.WRITE).key("out/shared.bin").nth(1).delay(Duration.ofMillis(700));
        ParallelFileMover m = mover(t, config().build());
        CompletableFuture<TaskResult> first = moveAsync(m, task("shared.bin"), ctx());
        await().atMost(DEADLINE).until(() -> t.calls(Op.WRITE) >= 1);

        TaskResult second = m.move(task("own.bin", "shared.bin"), ctx());

        TaskResult one = first.get();
        assertThat(one.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(second.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(file(second, "shared.bin").outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(file(second, "shared.bin").checksum()).isEqualTo(file(one, "shared.bin").checksum());
        assertThat(t.writes("out/shared.bin")).hasSize(1);
        assertThat(t.calls(Op.OPEN)).isEqualTo(2);
        assertThat(copied("shared.bin")).isTrue();
    }

    /**
     * Issue #14, finding 2: a task joined an in-flight copy of an older version of its file and got
     * {@code COPIED} with that version's checksum.
     */
    @Test
    void aTaskThatSawANewerVersionDoesNotJoinTheCopyOfTheOlderOneAndCopiesItsOwn() throws Exception {
        Path f = src.resolve("shared.bin");
        files.write(f, 3000);
        FaultInjectingTransport t = faulty();
        CountDownLatch firstAtCommit = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        t.on(Op.COMMIT).nth(1).run(() -> {
            firstAtCommit.countDown();
            awaitQuietly(releaseFirst);
        });
        ParallelFileMover m = mover(t, config().build());
        CompletableFuture<TaskResult> first = moveAsync(m, task("shared.bin"), ctx());
        assertThat(firstAtCommit.await(30, TimeUnit.SECONDS)).isTrue();

        files.write(f, 4000); // version 2, seen by the second task
        byte[] v2 = Files.readAllBytes(f);
        CountDownLatch secondSubmitted = new CountDownLatch(1);
        ExecutionContext c2 = new ExecutionContext() {
            @Override
            public String node() {
                return "n1";
            }

            @Override
            public String runId() {
                return "run-2";
            }

            @Override
            public boolean isCancelled() {
                secondSubmitted.countDown(); // move() polls it only once the files were handed over
                return false;
            }

            @Override
            public void progress(long bytesDone, int filesDone) {
            }
        };
        CompletableFuture<TaskResult> second = CompletableFuture.supplyAsync(() -> {
            try {
                return m.move(task("shared.bin"), c2);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(secondSubmitted.await(30, TimeUnit.SECONDS)).isTrue();
        releaseFirst.countDown();

        TaskResult two = second.get(30, TimeUnit.SECONDS);
        first.get(30, TimeUnit.SECONDS);
        String v2Checksum = Crc32c.format(Crc32c.of(ByteBuffer.wrap(v2)));
        assertThat(file(two, "shared.bin").outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(file(two, "shared.bin").checksum()).as("the checksum of the version the task saw")
                .isEqualTo(v2Checksum);
        assertThat(file(two, "shared.bin").bytes()).isEqualTo(4000);
        assertThat(Files.readAllBytes(dst.resolve("out/shared.bin"))).isEqualTo(v2);
    }

    /**
     * Issue #14, finding 1: node A verified version 1 and paused just before its commit; the task
     * was re-run elsewhere and committed version 2; A resumed and wrote version 1 over it. Two
     * variants: the key absent, and holding an older object, when A began.
     */
    @Test
    void aZombieResumingAtItsCommitAfterTheTaskWasReRunElsewhereWritesNothing() throws Exception {
        for (boolean existedBefore : List.of(false, true)) {
            Path f = src.resolve("z" + existedBefore + ".bin");
            Path target = dst.resolve("out/z" + existedBefore + ".bin");
            if (existedBefore) {
                Files.createDirectories(target.getParent());
                Files.writeString(target, "an object from long ago");
            }
            files.write(f, 3000);
            FaultInjectingTransport ta = faulty();
            CountDownLatch aAtCommit = new CountDownLatch(1);
            CountDownLatch resumeA = new CountDownLatch(1);
            ta.on(Op.COMMIT).nth(1).run(() -> {
                aAtCommit.countDown();
                awaitQuietly(resumeA); // SIGSTOP
            });
            ParallelFileMover a = mover(ta, config().build());
            ParallelFileMover b = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build());
            TestExecutionContext ctxA = ctx();
            MigrationTask t = task(f.getFileName().toString());
            CompletableFuture<TaskResult> zombie = moveAsync(a, t, ctxA);
            assertThat(aAtCommit.await(30, TimeUnit.SECONDS)).isTrue();

            ctxA.lose(); // the leader reclaimed the task from the "dead" node
            files.write(f, 5000); // the source changes: version 2
            TaskResult rerun = b.move(t, new TestExecutionContext("n2"));
            assertThat(file(rerun, f.getFileName().toString()).outcome()).isEqualTo(FileOutcome.COPIED);
            byte[] v2 = Files.readAllBytes(f);
            assertThat(Files.readAllBytes(target)).isEqualTo(v2);

            resumeA.countDown(); // SIGCONT
            TaskResult a1 = zombie.get(30, TimeUnit.SECONDS);

            assertThat(Files.readAllBytes(target)).as("B's version stands (existed before: %s)", existedBefore)
                    .isEqualTo(v2);
            assertThat(file(a1, f.getFileName().toString()).outcome()).isEqualTo(FileOutcome.FAILED);
            assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
        }
    }

    /**
     * The other order: an older attempt (a zombie) committed the key after this run began. This run
     * still owns the task, so its version replaces the zombie's.
     */
    @Test
    void theOwnersVersionStandsWhenAnOlderAttemptCommittedTheKeyFirst() throws Exception {
        Path f = src.resolve("o.bin");
        files.write(f, 3000);
        Path target = dst.resolve("out/o.bin");
        FaultInjectingTransport t = faulty();
        t.on(Op.COMMIT).nth(1).run(() -> {
            try {
                Files.createDirectories(target.getParent());
                Files.writeString(target, "the zombie's older version");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ParallelFileMover m = mover(t, config().build());

        TaskResult r = m.move(task("o.bin"), ctx());

        assertThat(file(r, "o.bin").outcome()).as(r.toString()).isEqualTo(FileOutcome.COPIED);
        assertThat(copied("o.bin")).isTrue();
        assertThat(t.calls(Op.COMMIT)).as("a conflict, then a commit guarded by what it saw").isEqualTo(2);
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    @Test
    void aRunThatLostItsTaskCommitsNothingAndEndsTheFileSuperseded() throws Exception {
        files.write(src.resolve("s.bin"), 3000);
        FaultInjectingTransport t = faulty();
        TestExecutionContext c = ctx();
        t.on(Op.COMPLETE).nth(1).run(c::lose);
        ParallelFileMover m = mover(t, config().build());

        TaskResult r = m.move(task("s.bin"), c);

        assertThat(file(r, "s.bin").code()).isEqualTo(ErrorCode.SUPERSEDED);
        assertThat(t.calls(Op.COMMIT)).isZero();
        assertThat(dst.resolve("out/s.bin")).doesNotExist();
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void bufferMemoryNeverExceedsTheCapWhileMovingTenTimesAsMuch() throws Exception {
        long cap = 8 * MIB;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            files.write(src.resolve("large" + i), 24 * MIB + i * 4099);
            names.add("large" + i);
        }
        for (int i = 0; i < 12; i++) {
            files.write(src.resolve("small" + i), MIB - i);
            names.add("small" + i);
        }
        // the buffered path: the kernel copy uses no buffer at all
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.builder().endpoint("p", dst).fsync(false).copyLocalFiles(false)
                .build()), config().maxInFlightBytes(cap).threads(8).build());
        long total = 0;
        for (String n : names) {
            total += Files.size(src.resolve(n));
        }
        assertThat(total).isGreaterThanOrEqualTo(10 * cap);

        TaskResult r = m.move(task(names.toArray(String[]::new)), ctx());

        assertThat(r.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(r.files()).allSatisfy(f -> assertThat(copied(f.sourcePath())).as(f.sourcePath()).isTrue());
        assertThat(m.bufferCapacityBytes()).isEqualTo(cap);
        assertThat(m.bufferHighWaterBytes()).isPositive().isLessThanOrEqualTo(cap);
    }

    @Test
    void theKernelCopyStoresTheSameBytesAndChecksumsAsTheBufferedPathWithoutBuffers() throws Exception {
        // range 1 MiB, split above 2 MiB: around the range size, one range, several on one thread, split
        long[] sizes = {0, 1, MIB - 1, MIB, MIB + 1, 2 * MIB + 3, 5 * MIB + 17};
        List<String> names = new ArrayList<>();
        for (long size : sizes) {
            names.add("f" + size);
            files.write(src.resolve("f" + size), size);
        }
        files.writeSparse(src.resolve("sparse.img"), 7 * MIB + 3, 3);
        names.add("sparse.img");
        Path buffered = Files.createDirectories(tmp.resolve("dst-buffered"));
        FaultInjectingTransport kernel = faulty();
        assertThat(kernel.capabilities().copiesLocalFiles()).isTrue();
        ParallelFileMover viaKernel = mover(kernel, config().build());
        ParallelFileMover viaBuffers = mover(
                PosixTransport.create(PosixTransportConfig.builder().endpoint("b", buffered).copyLocalFiles(false).build()), config().build());
        TestExecutionContext ctx = ctx();

        TaskResult k = viaKernel.move(task(names.toArray(String[]::new)), ctx);
        TaskResult b = viaBuffers.move(task(names.toArray(String[]::new)), ctx());

        assertThat(k.outcome()).as(k.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(b.outcome()).as(b.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        for (String n : names) {
            assertThat(copied(n)).as(n).isTrue();
            assertThat(RandomFiles.sameContent(src.resolve(n), buffered.resolve("out/" + n))).as(n).isTrue();
            assertThat(file(k, n).outcome()).isEqualTo(FileOutcome.COPIED);
            assertThat(file(k, n).checksum()).as(n).isEqualTo(file(b, n).checksum())
                    .isEqualTo(Crc32c.format(crcOf(src.resolve(n))));
        }
        long total = 7 * MIB + 3;
        for (long size : sizes) {
            total += size;
            // one range per call, each once: the mover went through copyRange, not write
            assertThat(kernel.writes("out/f" + size)).hasSize((int) Math.max(1, (size + MIB - 1) / MIB));
        }
        assertThat(ctx.maxBytes()).isEqualTo(total);
        assertThat(viaKernel.bytesSent()).isEqualTo(total);
        assertThat(viaKernel.bufferHighWaterBytes()).isZero();
        assertThat(viaBuffers.bufferHighWaterBytes()).isPositive();
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    @Test
    void appendOnlyTransportsGetEachFilesRangesInOrder() throws Exception {
        files.write(src.resolve("app.bin"), 5 * MIB + 1);
        FaultInjectingTransport t = faulty().withCapabilities(
                new TransportCapabilities(WriteMode.APPEND_ONLY, 1, Long.MAX_VALUE, Integer.MAX_VALUE, false));
        ParallelFileMover m = mover(t, config().build());

        TaskResult r = m.move(task("app.bin"), ctx());

        assertThat(r.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        List<long[]> writes = t.writes("out/app.bin");
        long expected = 0;
        for (long[] w : writes) {
            assertThat(w[0]).isEqualTo(expected);
            expected += w[1];
        }
        assertThat(expected).isEqualTo(5 * MIB + 1);
        assertThat(copied("app.bin")).isTrue();
    }

    @Test
    void alignedPartTransportsGetPartsOfTheSizeTheyAsk() throws Exception {
        files.write(src.resolve("parts.bin"), 10 * MIB + 3);
        FaultInjectingTransport t = faulty().withCapabilities(
                new TransportCapabilities(WriteMode.ALIGNED_PARTS, 3 * MIB, 5L << 30, 10_000, false));
        ParallelFileMover m = mover(t, config().build());

        TaskResult r = m.move(task("parts.bin"), ctx());

        assertThat(r.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(t.writes("out/parts.bin")).hasSize(4).allSatisfy(w -> {
            assertThat(w[0] % (3 * MIB)).isZero();
            assertThat(w[1]).isEqualTo(w[0] == 9 * MIB ? MIB + 3 : 3 * MIB);
        });
        assertThat(copied("parts.bin")).isTrue();
        assertThat(m.bufferHighWaterBytes()).isLessThanOrEqualTo(8 * MIB);
    }

    /** S3 multipart as the mover sees it: parts of 5 MiB..5 GiB, at most 10,000. */
    private static final TransportCapabilities S3_PARTS =
            new TransportCapabilities(WriteMode.ALIGNED_PARTS, 5 * MIB, 5L << 30, 10_000, false);

    @Test
    void aFileWhoseRangesMustExceedTheBufferMemoryFailsWithFileTooLargeBeforeAnythingIsSent() throws Exception {
        // 2.5 TiB (sparse): 10,000 parts of 262 MiB, more than the default 256 MiB of buffers.
        long huge = 5L << 39;
        files.writeSparse(src.resolve("huge.bin"), huge, 4);
        files.write(src.resolve("small.bin"), 3 * MIB);
        FaultInjectingTransport t = faulty().withCapabilities(S3_PARTS);
        // should the check ever miss, fail at the first range instead of copying 2.5 TiB
        t.on(Op.OPEN).key("out/huge.bin").always().fail(Disposition.PERMANENT, ErrorCode.INTERNAL);
        ParallelFileMover m = mover(t, config().rangeSize(MoverConfig.DEFAULT_RANGE_SIZE)
                .maxInFlightBytes(MoverConfig.DEFAULT_MAX_IN_FLIGHT_BYTES).build());

        TaskResult r = m.move(task("huge.bin", "small.bin"), ctx());

        FileResult failed = r.files().get(0);
        assertThat(failed.outcome()).isEqualTo(FileOutcome.FAILED);
        assertThat(failed.code()).isEqualTo(ErrorCode.FILE_TOO_LARGE);
        assertThat(failed.message()).contains("mover.maxInFlightBytes = " + (256 * MIB))
                .contains("raise it to at least " + (huge + 9_999) / 10_000);
        assertThat(t.writes("out/huge.bin")).isEmpty();
        assertThat(t.calls(Op.OPEN)).isEqualTo(1); // only small.bin's upload was opened: huge.bin's never
        assertThat(r.files().get(1).outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(copied("small.bin")).isTrue();
    }

    @Test
    void theLargestFileTheDefaultsMoveToS3Is10000TimesTheBufferMemory() {
        ParallelFileMover m = mover(faulty().withCapabilities(S3_PARTS), config()
                .rangeSize(MoverConfig.DEFAULT_RANGE_SIZE).maxInFlightBytes(MoverConfig.DEFAULT_MAX_IN_FLIGHT_BYTES)
                .build());
        long largest = 10_000 * MoverConfig.DEFAULT_MAX_IN_FLIGHT_BYTES; // 2.44 TiB
        assertThat(m.tooLarge(largest)).isNull();
        assertThat(m.tooLarge(largest + 1)).contains("raise it to at least " + (MoverConfig.DEFAULT_MAX_IN_FLIGHT_BYTES + 1));
        // beyond 2 GiB per range no buffer memory helps; beyond 5 GiB x 10,000 no range size does
        ParallelFileMover big = mover(faulty().withCapabilities(S3_PARTS), config().maxInFlightBytes(8L << 30).build());
        assertThat(big.tooLarge(10_000L * (3L << 30))).contains("a range is at most 2 GiB");
        assertThat(big.tooLarge(10_000L * (5L << 30) + 1)).contains("more than the transport allows (10000)");
    }

    @Test
    void theExecutorPlugsTheMoverIntoTheWorker() throws Exception {
        files.write(src.resolve("w.bin"), 10);
        ParallelFileMover m = mover(PosixTransport.create(PosixTransportConfig.of(dst)), config().build());
        TaskResult r = new MoverTaskExecutor(m).execute(task("w.bin"), ctx());
        assertThat(r.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
        assertThat(copied("w.bin")).isTrue();
    }
}
