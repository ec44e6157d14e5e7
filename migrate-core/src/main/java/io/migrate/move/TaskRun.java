package io.migrate.move;

import io.migrate.error.ErrorCode;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.worker.ExecutionContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link ParallelFileMover#move} call: per-file results and progress. Written by mover
 * threads (results, progress) and the calling thread (cancellation); every field is atomic or
 * immutable after construction.
 */
final class TaskRun {
    private static final Logger log = LoggerFactory.getLogger(TaskRun.class);

    final MigrationTask task;
    final ExecutionContext context;
    final Instant startedAt = Instant.now();
    private final MoveListener listener;
    private final ParallelFileMover mover;
    private final AtomicReferenceArray<FileResult> results;
    /** Per-file byte totals as measured at the start, and bytes counted so far (capped). */
    private final AtomicLongArray fileTotals;
    private final AtomicLongArray fileDone;
    private final AtomicLong bytesTotal = new AtomicLong();
    private final AtomicLong bytesDone = new AtomicLong();
    private final AtomicInteger filesDone = new AtomicInteger();
    private final CountDownLatch remaining;
    /** Works this run waits for, to tell apart on cancellation the ones only it owns. */
    final List<FileWork> works = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    TaskRun(MigrationTask task, ExecutionContext context, MoveListener listener, ParallelFileMover mover) {
        this.task = task;
        this.context = context;
        this.listener = listener;
        this.mover = mover;
        int n = task.files().size();
        this.results = new AtomicReferenceArray<>(n);
        this.fileTotals = new AtomicLongArray(n);
        this.fileDone = new AtomicLongArray(n);
        this.remaining = new CountDownLatch(n);
    }

    CountDownLatch remaining() {
        return remaining;
    }

    boolean cancelled() {
        return cancelled;
    }

    void cancel() {
        cancelled = true;
    }

    void setTotal(int index, long bytes) {
        fileTotals.set(index, bytes);
        bytesTotal.addAndGet(bytes);
    }

    /** Counts bytes of one file, never beyond the file's total: progress never exceeds 100%. */
    void addBytes(int index, long delta) {
        long total = fileTotals.get(index);
        long added;
        while (true) {
            long cur = fileDone.get(index);
            long next = Math.min(total, cur + delta);
            if (fileDone.compareAndSet(index, cur, next)) {
                added = next - cur;
                break;
            }
        }
        if (added > 0) {
            bytesDone.addAndGet(added);
            report();
        }
    }

    /**
     * Records a file's result once; later calls for the same file are ignored.
     *
     * @return whether this call recorded it
     */
    boolean fileFinished(int index, FileResult result) {
        if (!results.compareAndSet(index, null, result)) {
            return false;
        }
        if (result.succeeded()) {
            addBytes(index, Long.MAX_VALUE / 2);
        }
        filesDone.incrementAndGet();
        try {
            listener.onFileDone(task.id(), result);
        } catch (RuntimeException e) {
            log.warn("move listener failed: {}", e.toString());
        }
        report();
        remaining.countDown();
        return true;
    }

    void fail(int index, FileEntry entry, ErrorCode code, String message) {
        fileFinished(index, new FileResult(entry.sourcePath(), entry.targetKey(), FileOutcome.FAILED, code, message,
                0, null, Duration.ZERO, 1));
    }

    List<FileResult> results() {
        List<FileResult> out = new ArrayList<>(results.length());
        for (int i = 0; i < results.length(); i++) {
            FileResult r = results.get(i);
            if (r == null) {
                FileEntry e = task.files().get(i);
                r = new FileResult(e.sourcePath(), e.targetKey(), FileOutcome.FAILED, ErrorCode.CANCELLED,
                        "not finished when the task stopped", 0, null, Duration.ZERO, 1);
            }
            out.add(r);
        }
        return out;
    }

    /**
     * Reports progress to the worker while a file of this run is being completed or committed:
     * a server-side copy or a multipart completion of a large object moves no bytes the mover can
     * count and can take minutes, and without reports the task's lease would age until the leader
     * reclaims it as stalled. Called by the thread waiting in {@link ParallelFileMover#move}; the
     * worker rate-limits renewals itself. Bounded by {@link MoverConfig#commitLeaseLimit()}.
     *
     * @param nowNanos {@link System#nanoTime()} now
     * @param limitNanos how long one commit counts as progress
     * @return whether progress was reported
     */
    boolean reportCommitsInProgress(long nowNanos, long limitNanos) {
        for (FileWork w : works) {
            if (w.commitInProgress(nowNanos, limitNanos)) {
                try {
                    context.progress(bytesDone.get(), filesDone.get());
                } catch (RuntimeException e) {
                    log.warn("progress report failed: {}", e.toString());
                }
                return true;
            }
        }
        return false;
    }

    private void report() {
        long done = bytesDone.get();
        int files = filesDone.get();
        try {
            context.progress(done, files);
        } catch (RuntimeException e) {
            log.warn("progress report failed: {}", e.toString());
        }
        try {
            listener.onProgress(new MoveProgress(task.id(), done, bytesTotal.get(), files, results.length(),
                    mover.bytesSent(), mover.filesDone()));
        } catch (RuntimeException e) {
            log.warn("move listener failed: {}", e.toString());
        }
    }
}
