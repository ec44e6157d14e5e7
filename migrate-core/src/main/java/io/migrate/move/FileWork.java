package io.migrate.move;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.move.internal.SourceFile;
import io.migrate.result.FileOutcome;
import io.migrate.result.FileResult;
import io.migrate.task.FileEntry;
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
 * finalizes. Owners are added under the object's monitor until {@link #finished} is set.
 */
final class FileWork {
    /** A task waiting for this file, and the file's position in that task. */
    record Owner(TaskRun run, int index, FileEntry entry) {
    }

    final String key;
    final Path source;
    final String targetKey;
    final long seq;
    final long startNanos = System.nanoTime();
    final String mdcTask;
    final String mdcNode;

    private final List<Owner> owners = new ArrayList<>();
    private boolean finished;
    private final ParallelFileMover mover;

    /** Set by the survey step before it queues the prepare step: the target certainly does not exist. */
    boolean knownAbsent;

    // set by the prepare step
    SourceFile.Fingerprint before;
    FileChannel channel;
    volatile Upload upload;
    long rangeSize;
    int rangeCount;
    RangeReceipt[] receipts;
    int[] crcs;
    /** Ranges whose bytes were counted in progress (1) — a rewritten range is not counted again. */
    AtomicIntegerArray counted;
    final AtomicInteger pending = new AtomicInteger();

    final AtomicInteger attempts = new AtomicInteger(1);
    private final AtomicReference<MigrateException> failure = new AtomicReference<>();

    FileWork(String key, Path source, String targetKey, long seq, Owner first, ParallelFileMover mover) {
        this.key = key;
        this.source = source;
        this.targetKey = targetKey;
        this.seq = seq;
        this.owners.add(first);
        this.mdcTask = first.run().task.id();
        this.mdcNode = first.run().context.node();
        this.mover = mover;
    }

    /** @return false if the work already finished (the caller then starts a new one) */
    synchronized boolean addOwner(Owner owner) {
        if (finished) {
            return false;
        }
        owners.add(owner);
        return true;
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

    /** Records the first failure; later ones are consequences. */
    void fail(MigrateException e) {
        failure.compareAndSet(null, e);
    }

    MigrateException failure() {
        return failure.get();
    }

    boolean stopping() {
        return failure.get() != null || cancelled();
    }

    /** Counts a range's bytes once, for the node and for every owner. */
    void countRange(int range, long length) {
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
        synchronized (this) {
            finished = true;
            snapshot = List.copyOf(owners);
        }
        mover.workFinished(this, outcome);
        long bytes = before == null ? 0 : before.size();
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        for (Owner o : snapshot) {
            o.run().fileFinished(o.index(), new FileResult(o.entry().sourcePath(), targetKey, outcome, code, message,
                    bytes, checksum, took, attempts.get()));
        }
    }
}
