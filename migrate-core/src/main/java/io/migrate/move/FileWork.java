package io.migrate.move;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.move.internal.SourceFile;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.Upload;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The copy of one source file to one target key, shared by every task on this node that asks
 * for the same pair while it runs.
 *
 * <p>Ownership: the prepare step runs on one mover thread and publishes {@link #upload},
 * {@link #channel} and the range arrays before it queues range jobs (the queue hands them over
 * safely); range jobs write distinct array slots; the thread that ends the last range
 * finalizes. Owners are added under the object's monitor until {@link #finished} is set, and only
 * if the source they saw is the version this work copies ({@link #tryJoin}); a task that saw
 * another version waits for this work to end ({@link #whenFinished}) and copies its own.
 */
final class FileWork {
    /**
     * A task waiting for this file, the file's position in that task, and the source's fingerprint
     * when that task checked it.
     */
    record Owner(TaskRun run, int index, FileEntry entry, SourceFile.Fingerprint seen) {
    }

    /** What {@link #tryJoin} did. */
    enum Join {
        /** The owner was added: it gets this work's result. */
        JOINED,
        /** This work copies another version of the source: the owner must copy its own after it. */
        OTHER_VERSION,
        /** This work has ended: the owner starts a new one. */
        FINISHED
    }

    final String key;
    final Path source;
    final String targetKey;
    final long seq;
    final long startNanos = System.nanoTime();
    final String mdcTask;
    final String mdcNode;

    private final List<Owner> owners = new ArrayList<>();
    /** Works to start when this one ends (same source and key, another version); guarded by this. */
    private final List<Runnable> successors = new ArrayList<>();
    private boolean finished;
    private final ParallelFileMover mover;

    /**
     * The target certainly does not exist: set by the survey step before it queues the prepare
     * step (the queue hands it over safely), read by the prepare step.
     */
    boolean knownAbsent;

    /** The real source root the source lies in: the open walks from there without following links. */
    final Path root;

    // set by the prepare step
    /** The fingerprint of the version this work copies; set once under the monitor ({@link #setBefore}). */
    volatile SourceFile.Fingerprint before;
    /** The fencing token of the commit: what the final key held when this attempt began. */
    CommitGuard guard = CommitGuard.unconditional();
    FileChannel channel;
    volatile Upload upload;
    long rangeSize;
    int rangeCount;
    RangeReceipt[] receipts;
    int[] crcs;
    /**
     * Per range, what an earlier run's ledger says the destination already holds (to verify against
     * the source, then adopt instead of sending); null = send. Set by the prepare step, or cleared
     * by a restart, before range jobs are queued; each slot read by its range's job.
     */
    RangeReceipt[] recorded;
    /** Whether {@link #upload} is an earlier run's upload taken up from its part ledger. */
    volatile boolean resumedUpload;
    /** Times this work opened a new upload after someone else removed its upload (guarded by the finalizing thread). */
    int restarts;

    // ---- the part ledger of this file (resume state): written by range threads, one at a time
    /** The run whose ledger this work writes and reads (its first owner's), and the file's index there. */
    final io.migrate.worker.ExecutionContext ledgerContext;
    final int ledgerFile;
    /**
     * Ranges finished but not yet in the journal: each range thread adds its own, then whoever holds
     * {@link #ledgerLock} next appends all there are in one write (one fsync for the ranges that
     * finished together).
     */
    final java.util.concurrent.ConcurrentLinkedQueue<RangeReceipt> unjournaled =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Guards the ledger fields below and orders ledger writes (one start or append at a time). */
    final Object ledgerLock = new Object();
    /** The upload this run's journal of the file was started for, null before; guarded by ledgerLock. */
    Upload journalUpload;
    /** Ranges appended to that journal; guarded by ledgerLock. */
    int journaled;
    /** Whether ledgers are written for this work (false after the store refused one); guarded by ledgerLock. */
    boolean ledgerOn = true;

    /** Ranges whose bytes were counted in progress (1) — a rewritten range is not counted again. */
    AtomicIntegerArray counted;
    final AtomicInteger pending = new AtomicInteger();

    /**
     * {@link System#nanoTime()} when this work's completion and commit began, while they run
     * ({@link #committing}); written by the finalizing mover thread, read by the threads of the
     * tasks waiting for it ({@link TaskRun#reportCommitsInProgress}).
     */
    private volatile long commitStartNanos;
    private volatile boolean committing;

    final AtomicInteger attempts = new AtomicInteger(1);
    private final AtomicReference<MigrateException> failure = new AtomicReference<>();

    FileWork(String key, Path root, Path source, String targetKey, long seq, Owner first, ParallelFileMover mover) {
        this.key = key;
        this.root = root;
        this.source = source;
        this.targetKey = targetKey;
        this.seq = seq;
        this.owners.add(first);
        this.mdcTask = first.run().task.id();
        this.mdcNode = first.run().context.node();
        this.mover = mover;
        this.ledgerContext = first.run().context;
        this.ledgerFile = first.index();
    }

    /**
     * Adds an owner if this work will give it a true result: the work has not ended, and either it
     * has not taken its fingerprint yet (it will then copy a version at least as new as the one the
     * owner saw) or it copies exactly the version the owner saw. A joiner must never get
     * {@code COPIED} with an older version's checksum.
     *
     * @param owner the task that wants the same source at the same key
     * @return what happened
     */
    synchronized Join tryJoin(Owner owner) {
        if (finished) {
            return Join.FINISHED;
        }
        if (before != null && !before.equals(owner.seen())) {
            return Join.OTHER_VERSION;
        }
        owners.add(owner);
        return Join.JOINED;
    }

    /** Records the fingerprint of the version this work copies; from now on only its owners join. */
    synchronized void setBefore(SourceFile.Fingerprint fingerprint) {
        before = fingerprint;
    }

    /** Runs {@code next} when this work has ended (at once if it has). */
    void whenFinished(Runnable next) {
        synchronized (this) {
            if (!finished) {
                successors.add(next);
                return;
            }
        }
        next.run();
    }

    /**
     * Whether at least one task waiting for this file is still owned by its run (by run id, at the
     * task root: {@link io.migrate.worker.ExecutionContext#stillOwned()}); checked immediately
     * before every commit.
     */
    boolean stillOwned() {
        for (Owner o : owners()) {
            if (o.run().context.stillOwned()) {
                return true;
            }
        }
        return false;
    }

    /** @return whether every task waiting for this file was cancelled, or the mover is closing */
    synchronized boolean cancelled() {
        if (mover.closing()) {
            return true;
        }
        for (Owner o : owners) {
            if (!o.run().cancelled()) {
                return false;
            }
        }
        return true;
    }

    /** @return whether the given run is the only kind of owner left (all others cancelled) */
    synchronized boolean onlyWaitedOnBy(TaskRun run) {
        for (Owner o : owners) {
            if (o.run() != run && !o.run().cancelled()) {
                return false;
            }
        }
        return true;
    }

    synchronized List<Owner> owners() {
        return List.copyOf(owners);
    }

    /** Marks the start ({@code true}) or end of this work's completion and commit. */
    void committing(boolean now) {
        if (now) {
            commitStartNanos = System.nanoTime();
        }
        committing = now;
    }

    /**
     * @param nowNanos {@link System#nanoTime()} now
     * @param limitNanos how long a commit counts as progress
     * @return whether a completion or commit of this work is running and began less than
     *     {@code limitNanos} ago
     */
    boolean commitInProgress(long nowNanos, long limitNanos) {
        return committing && nowNanos - commitStartNanos < limitNanos;
    }

    /** Records the first failure; later ones are consequences. */
    void fail(MigrateException e) {
        failure.compareAndSet(null, e);
    }

    /** Forgets the failure that made this work restart its upload (only the finalizing thread, no range job running). */
    void clearFailure() {
        failure.set(null);
    }

    MigrateException failure() {
        return failure.get();
    }

    boolean stopping() {
        return failure.get() != null || cancelled();
    }

    /**
     * Counts a range's bytes once, for the node and for every owner (progress), and as sent or as
     * resumed from an earlier run's upload every time (the cost).
     */
    void countRange(int range, long length, boolean sent) {
        mover.addTransferred(length, sent);
        if (counted.compareAndSet(range, 0, 1)) {
            mover.addBytesSent(length);
            for (Owner o : owners()) {
                o.run().addBytes(o.index(), length);
            }
        }
    }

    /** Ends the work: closes the source, leaves the in-flight map, reports to every owner. */
    void finish(FileOutcome outcome, ErrorCode code, String message, String checksum) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // read-only channel: nothing was written that could be lost
            }
        }
        List<Owner> snapshot;
        List<Runnable> next;
        synchronized (this) {
            finished = true;
            snapshot = List.copyOf(owners);
            next = List.copyOf(successors);
        }
        mover.workFinished(this, outcome);
        next.forEach(Runnable::run);
        long bytes = before == null ? 0 : before.size();
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        for (Owner o : snapshot) {
            o.run().fileFinished(o.index(), new FileResult(o.entry().sourcePath(), targetKey, outcome, code, message,
                    bytes, checksum, took, attempts.get()));
        }
    }
}
