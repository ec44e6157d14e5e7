package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.dispatch.FakeTime;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.RandomFiles;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit moves no bytes the mover can count (a server-side copy, a multipart completion that
 * takes minutes on a large object): while it runs, the task's lease must keep renewing, or the
 * leader reclaims a healthy task as stalled. The worker, its task store (lease = the running
 * file's mtime) and the mover are real; the commit is held by the test; time is a fake clock, so
 * "20 s later" is exact and nothing sleeps.
 */
class LongCommitLeaseTest {
    private static final Instant T0 = Instant.parse("2026-11-29T04:00:00Z");
    private static final Duration RENEW = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    @Test
    void aCommitInProgressKeepsRenewingTheTaskLeaseUntilItEnds() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        new RandomFiles(RandomFiles.seed(getClass())).write(src.resolve("big"), 3L << 20); // 3 ranges
        FakeTime time = new FakeTime(T0.plus(Duration.ofHours(1)));
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(tmp.resolve("root")).clock(time.clock())
                .syncDirectories(false).build();
        store.registerNode("n1");

        CountDownLatch commitStarted = new CountDownLatch(1);
        CountDownLatch releaseCommit = new CountDownLatch(1);
        FaultInjectingTransport transport = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dst)));
        transport.on(Op.COMMIT).always().run(() -> {
            commitStarted.countDown();
            try {
                releaseCommit.await(); // the commit the store takes minutes for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        MoverConfig config = MoverConfig.builder().allowSourceRoot(src).threads(2).rangeSize(1L << 20)
                .maxInFlightBytes(4L << 20).build();
        MigrationTask task = MigrationTask.builder().id(TaskIds.newId(T0)).createdAt(T0).sourceRoot(src.toString())
                .addFile("big", "out/big").build();
        store.move(store.submit(task), TaskState.INBOX, "n1");

        try (ParallelFileMover mover = ParallelFileMover.builder(transport).config(config).build();
             Worker worker = Worker.builder().node("n1").store(store).taskExecutor(new MoverTaskExecutor(mover))
                     .clock(time.clock()).nanoTicker(time.ticker())
                     .config(WorkerConfig.builder().leaseRenewInterval(RENEW).build()).build()) {
            try {
                mover.start();
                worker.pollOnce(); // claims the task; its execution runs on the worker's own thread
                assertThat(commitStarted.await(30, TimeUnit.SECONDS)).as("commit reached").isTrue();
                TaskRef running = store.find(task.id()).orElseThrow();
                assertThat(running.state()).isEqualTo(TaskState.RUNNING);
                Instant before = store.leaseRenewedAt(running).orElseThrow();

                // Two renewal intervals pass with the commit still running; the lease follows each.
                for (int i = 1; i <= 2; i++) {
                    time.advance(RENEW.multipliedBy(2));
                    Instant due = time.now();
                    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                            .until(() -> !store.leaseRenewedAt(running).orElseThrow().isBefore(due));
                }
                assertThat(store.leaseRenewedAt(running).orElseThrow()).isAfter(before);
                worker.pollOnce(); // the worker's own lease check finds the task still its own
                assertThat(store.find(task.id()).orElseThrow().state()).isEqualTo(TaskState.RUNNING);
            } finally {
                releaseCommit.countDown(); // also when an assertion failed: close() must not wait for it
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> store.find(task.id()).orElseThrow().state() == TaskState.DONE);
            StoredTask done = store.read(store.find(task.id()).orElseThrow()).orElseThrow();
            FileResult file = done.result().orElseThrow().files().get(0);
            assertThat(file.outcome()).isEqualTo(FileOutcome.COPIED);
            assertThat(RandomFiles.sameContent(src.resolve("big"), dst.resolve("out/big"))).isTrue();
        }
    }

    /**
     * The renewal is bounded: a commit counts as progress only while it runs and for at most
     * {@link MoverConfig#commitLeaseLimit()}; after that the lease ages and a hung commit's task can
     * be reclaimed as stalled. Checked on the mover's own bookkeeping with explicit nanosecond
     * times, so nothing waits.
     */
    @Test
    void aCommitCountsAsProgressOnlyWhileItRunsAndAtMostTheLimit() {
        io.migrate.testing.TestExecutionContext ctx = new io.migrate.testing.TestExecutionContext("n1");
        MigrationTask task = MigrationTask.builder().sourceRoot(tmp.toString()).addFile("f", "out/f").build();
        TaskRun run = new TaskRun(task, ctx, MoveListener.NONE, null);
        FileWork work = new FileWork("f", tmp, tmp.resolve("f"), "out/f", 1,
                new FileWork.Owner(run, 0, task.files().get(0), null), null);
        run.works.add(work);
        long limit = Duration.ofHours(12).toNanos();

        assertThat(run.reportCommitsInProgress(System.nanoTime(), limit)).as("no commit yet").isFalse();
        work.committing(true);
        long now = System.nanoTime();
        assertThat(run.reportCommitsInProgress(now, limit)).isTrue();
        assertThat(ctx.reports()).isEqualTo(1);
        assertThat(run.reportCommitsInProgress(now + limit, limit)).as("past the limit").isFalse();
        assertThat(run.reportCommitsInProgress(now, 0)).as("commitLeaseLimit 0s: off").isFalse();
        work.committing(false);
        assertThat(run.reportCommitsInProgress(now, limit)).as("ended").isFalse();
        assertThat(ctx.reports()).isEqualTo(1);
    }
}
