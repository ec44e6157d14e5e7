package io.migrate.move;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.move.internal.BufferPool;
import io.migrate.move.internal.Crc32c;
import io.migrate.move.internal.SourceFile;
import io.migrate.task.FileOutcome;
import io.migrate.task.TaskStore;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.MetadataKeys;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import io.migrate.transport.UploadGoneException;
import io.migrate.transport.WriteMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The loop of one mover thread. Owns one transport session at a time (to its preferred
 * endpoint, or another healthy one after a failover); nothing else touches it.
 */
final class MoverThread implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(MoverThread.class);

    private final ParallelFileMover mover;
    private final int index;
    /** This thread's session; only this thread reads or writes it. */
    private TransportSession session;

    MoverThread(ParallelFileMover mover, int index) {
        this.mover = mover;
        this.index = index;
    }

    /** A unit of work; ranges of started files sort before files not yet started. */
    abstract static class Job implements Comparable<Job> {
        final FileWork work;
        final int priority;
        final int range;

        Job(FileWork work, int priority, int range) {
            this.work = work;
            this.priority = priority;
            this.range = range;
        }

        abstract void run(MoverThread t);

        @Override
        public int compareTo(Job o) {
            int c = Integer.compare(priority, o.priority);
            if (c == 0) {
                c = Long.compare(work.seq, o.work.seq);
            }
            return c != 0 ? c : Integer.compare(range, o.range);
        }
    }

    static Job prepareJob(FileWork work) {
        return new Job(work, 1, 0) {
            @Override
            void run(MoverThread t) {
                t.prepare(work);
            }
        };
    }

    /** Asks the transport which targets of {@code group} (one directory) are absent, then prepares each file. */
    static Job surveyJob(List<FileWork> group) {
        return new Job(group.get(0), 1, 0) {
            @Override
            void run(MoverThread t) {
                t.survey(group);
            }
        };
    }

    static Job rangeJobFor(FileWork work, int range) {
        return new Job(work, 0, range) {
            @Override
            void run(MoverThread t) {
                t.rangeJob(work, range);
            }
        };
    }

    @Override
    public void run() {
        try {
            while (true) {
                Job job = mover.queue.poll(100, TimeUnit.MILLISECONDS);
                if (job == null) {
                    if (mover.closing()) {
                        return;
                    }
                    continue;
                }
                MDC.put("task", job.work.mdcTask);
                MDC.put("node", job.work.mdcNode);
                try {
                    job.run(this);
                } catch (RuntimeException | Error e) {
                    log.error("mover thread: unexpected failure on {}", job.work.targetKey, e);
                } finally {
                    MDC.remove("task");
                    MDC.remove("node");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() gave up waiting: exit
        } finally {
            dropSession();
        }
    }

    // ---- the steps of one file ------------------------------------------------------------

    /**
     * Marks the files whose targets the transport knows to be absent, so their prepare step
     * needs no stat, and queues every file's prepare step. A failed survey only costs the stats.
     */
    private void survey(List<FileWork> group) {
        FileWork first = group.get(0);
        try {
            SortedSet<String> keys = new TreeSet<>();
            group.forEach(w -> keys.add(w.targetKey));
            Set<String> absent = call(first, "survey", true, s -> s.knownAbsent(keys));
            for (FileWork w : group) {
                w.knownAbsent = absent.contains(w.targetKey);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() gave up waiting; the prepares see the cancellation
        } catch (RuntimeException e) {
            log.debug("survey of {} targets failed, stat-ing each: {}", group.size(), e.toString());
        }
        group.forEach(w -> mover.queue.add(prepareJob(w)));
    }

    private void prepare(FileWork w) {
        if (w.cancelled()) {
            w.finish(FileOutcome.FAILED, ErrorCode.CANCELLED, "task cancelled", null);
            return;
        }
        try {
            // fingerprint first: a file replaced between the two steps then shows up as changed
            w.setBefore(SourceFile.fingerprint(w.source));
            w.channel = SourceFile.open(w.source);
            Optional<TargetStat> existing = w.knownAbsent ? Optional.empty()
                    : call(w, "stat", true, s -> s.stat(w.targetKey));
            // the fencing token: the commit succeeds only if the key still holds what we see now
            w.guard = w.knownAbsent ? CommitGuard.absent() : CommitGuard.of(existing);
            if (existing.isPresent() && identical(existing.get(), w.before)) {
                log.debug("{} already at target with the same fingerprint, skipped", w.targetKey);
                w.finish(FileOutcome.SKIPPED_IDENTICAL, null, null,
                        existing.get().metadata().get(MetadataKeys.CHECKSUM));
                return;
            }
            long size = w.before.size();
            w.rangeSize = mover.capabilities.rangeSizeFor(size, mover.config.rangeSize());
            w.rangeCount = (int) Math.max(1, (size + w.rangeSize - 1) / w.rangeSize);
            String tooLarge = mover.tooLarge(size); // the file may have grown since its task started
            if (tooLarge != null) {
                throw new MigrateException(ErrorCode.FILE_TOO_LARGE, tooLarge);
            }
            w.receipts = new RangeReceipt[w.rangeCount];
            w.crcs = new int[w.rangeCount];
            w.counted = new AtomicIntegerArray(w.rangeCount);
            long wholePutLimit = mover.capabilities.wholePutLimit();
            if (w.rangeCount == 1 && wholePutLimit > 0 && size <= wholePutLimit) {
                putWhole(w);
                return;
            }
            w.recorded = new RangeReceipt[w.rangeCount];
            if (!resumeFromLedger(w)) {
                openUpload(w);
            }
            startRanges(w);
        } catch (InterruptedException | RuntimeException e) {
            failWith(w, e);
            finalizeOrAbort(w);
        }
    }

    /** Opens a new upload for the work (a temporary location unique to this attempt). */
    private void openUpload(FileWork w) throws InterruptedException {
        String token = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        Map<String, String> meta = w.before.metadata();
        long size = w.before.size();
        w.upload = call(w, "open", true, s -> s.open(w.targetKey, token, size, w.rangeSize, meta));
    }

    /**
     * Queues the ranges of a file whose upload is open (split files), or writes them one after the
     * other on this thread (small files, append-only transports), then finalizes.
     */
    private void startRanges(FileWork w) {
        try {
            boolean split = w.before.size() > mover.config.splitThreshold() && w.rangeCount > 1
                    && mover.capabilities.writeMode() != WriteMode.APPEND_ONLY;
            if (split) {
                w.pending.set(w.rangeCount);
                for (int r = 0; r < w.rangeCount; r++) {
                    mover.queue.add(rangeJobFor(w, r));
                }
                return; // the thread ending the last range finalizes
            }
            for (int r = 0; r < w.rangeCount && !w.stopping(); r++) {
                writeRange(w, r);
            }
        } catch (InterruptedException | RuntimeException e) {
            failWith(w, e);
        }
        finalizeOrAbort(w);
    }

    // ---- resuming an earlier run's upload (part ledgers) ------------------------------------

    /**
     * Resumes the upload an earlier run of the task recorded in its part ledger, if there is one for
     * this very version of the source: the destination is asked which recorded ranges it still holds
     * intact ({@link TransportSession#resume}), and those ranges are marked to be verified against
     * the source by their range jobs (CRC32C of the range equals the recorded one) instead of sent.
     * A ledger of another version of the source, or of another range size, is superseded: its upload
     * is aborted and this run starts over. Nothing here is trusted without those checks, and the
     * commit verifies the whole upload as always.
     *
     * @return whether an upload was resumed ({@link FileWork#upload} and {@link FileWork#recorded} set)
     */
    private boolean resumeFromLedger(FileWork w) throws InterruptedException {
        List<PartLedger> found = new java.util.ArrayList<>();
        try {
            for (TaskStore.Ledger j : w.ledgerContext.ledgers(w.ledgerFile)) {
                Optional<PartLedger> l = PartLedger.decode(j);
                if (l.isEmpty()) {
                    log.debug("{}: part ledger of run {} unreadable, ignored", w.targetKey, j.runId());
                }
                l.filter(x -> x.target().equals(w.targetKey)).ifPresent(found::add);
            }
        } catch (RuntimeException e) {
            log.warn("{}: part ledgers unreadable, uploading from the start: {}", w.targetKey, e.toString());
            return false;
        }
        if (found.isEmpty()) {
            return false;
        }
        PartLedger best = null;
        for (PartLedger l : found) {
            if (l.fingerprint().equals(w.before.stored()) && l.upload().size() == w.before.size()
                    && l.upload().rangeSize() == w.rangeSize && !l.ranges().isEmpty()
                    && (best == null || l.bytes() > best.bytes())) {
                best = l;
            }
        }
        java.util.Set<String> abandoned = new java.util.LinkedHashSet<>();
        for (PartLedger l : found) {
            if (best == null || !sameUpload(l.upload(), best.upload())) {
                abandonUpload(w, l, abandoned);
            }
        }
        if (best == null) {
            return false;
        }
        PartLedger chosen = best;
        Optional<List<RangeReceipt>> held;
        try {
            held = call(w, "resume", true, s -> s.resume(chosen.upload(), chosen.ranges()));
        } catch (TransportException e) {
            log.info("{}: cannot resume the upload of an earlier run ({}); uploading from the start", w.targetKey,
                    e.getMessage());
            return false;
        }
        if (held.isEmpty()) {
            log.info("{}: the upload an earlier run recorded is gone; uploading from the start", w.targetKey);
            return false;
        }
        if (held.get().isEmpty()) {
            // Nothing worth resuming; and S3Proxy lists an aborted upload as one without parts, so an
            // empty answer may be an upload that no longer takes parts: start a new one.
            log.info("{}: the destination holds none of the parts an earlier run recorded; uploading from the start",
                    w.targetKey);
            abandonUpload(w, chosen, abandoned);
            return false;
        }
        for (RangeReceipt r : held.get()) {
            w.recorded[(int) (r.offset() / w.rangeSize)] = r;
        }
        w.upload = chosen.upload();
        w.resumedUpload = true;
        long bytes = held.get().stream().mapToLong(RangeReceipt::length).sum();
        log.info("{}: resuming the upload of an earlier run: {} of {} ranges ({} bytes) held by the destination,"
                + " to verify against the source", w.targetKey, held.get().size(), w.rangeCount, bytes);
        return true;
    }

    private static boolean sameUpload(Upload a, Upload b) {
        return a.tempKey().equals(b.tempKey()) && java.util.Objects.equals(a.uploadId(), b.uploadId());
    }

    /** Aborts the upload of a ledger this run does not resume (another version of the source, or a worse copy). */
    private void abandonUpload(FileWork w, PartLedger l, java.util.Set<String> done) {
        if (!done.add(l.upload().tempKey() + "\u0000" + l.upload().uploadId())) {
            return;
        }
        boolean changed = !l.fingerprint().equals(w.before.stored());
        log.info("{}: aborting the upload an earlier run recorded ({}): {}", w.targetKey, l.upload().tempKey(),
                changed ? "the source changed since" : "not the one resumed");
        try {
            // Only what the transport recognises as an upload of this key: a ledger comes from a
            // shared directory and must never make the mover delete anything else.
            if (call(w, "resume", true, s -> s.resume(l.upload(), List.of())).isPresent()) {
                abortUpload(w, l.upload());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("{}: could not abort the earlier upload {}: {}", w.targetKey, l.upload().tempKey(), e.toString());
        }
    }

    /**
     * Records range {@code r}, just finished (written, or verified as an earlier run's), in this
     * run's ledger journal, and returns once it is there (durable as the store's writes are): so a
     * crash loses at most the ranges in flight, one per mover thread, however many ranges the file
     * has. Each range costs a record of a few dozen bytes; ranges that finish while another thread
     * appends go into the next append together (one write, one fsync). The journal is started (its
     * header written) with the first range of each upload this run writes to.
     */
    private void recordLedger(FileWork w, int r) {
        Upload upload = w.upload;
        RangeReceipt receipt = w.receipts[r];
        if (w.rangeCount < 2 || upload == null || receipt == null) {
            return;
        }
        w.unjournaled.add(receipt);
        synchronized (w.ledgerLock) {
            if (!w.ledgerOn) {
                w.unjournaled.clear();
                return;
            }
            List<byte[]> records = new java.util.ArrayList<>();
            for (RangeReceipt done; (done = w.unjournaled.poll()) != null; ) {
                records.add(PartLedger.record(done));
            }
            if (records.isEmpty()) {
                return; // an append while this thread waited for the lock took this range along
            }
            long t0 = System.nanoTime();
            int bytes = 0;
            try {
                if (w.journalUpload != upload) {
                    // A new journal per upload: a restart within the run replaces the old upload's whole.
                    byte[] header = PartLedger.header(w.ledgerContext.runId(), w.targetKey, w.before.stored(), upload);
                    if (!w.ledgerContext.startLedger(w.ledgerFile, header)) {
                        w.ledgerOn = false; // no store behind the context: nothing to resume from
                        return;
                    }
                    w.journalUpload = upload;
                    w.journaled = 0;
                    bytes += header.length;
                }
                if (w.journaled + records.size() > TaskStore.MAX_LEDGER_RECORDS) {
                    return; // cannot happen with at most 10,000 ranges; the store would refuse anyway
                }
                if (!w.ledgerContext.appendLedger(w.ledgerFile, records)) {
                    w.ledgerOn = false; // the journal is gone (the task purged): nothing more to record
                    return;
                }
                w.journaled += records.size();
                for (byte[] b : records) {
                    bytes += b.length + 1;
                }
            } catch (RuntimeException e) {
                w.ledgerOn = false;
                log.warn("{}: part ledger not written, later runs will upload it from the start: {}", w.targetKey,
                        e.toString());
                return;
            }
            mover.ledgerWritten(bytes, System.nanoTime() - t0);
        }
    }

    /**
     * Whether the work's upload is left in place instead of aborted, because a later run of the task
     * will resume it or abort it:
     * <ul>
     *   <li>the run was cancelled while it still owns its task (its node closing: the task runs
     *       again here after the restart, or elsewhere after a reclaim) and a part ledger names the
     *       upload;</li>
     *   <li>the run lost its task (a zombie) and <em>another</em> run's ledger names the upload: the
     *       new owner resumed it, and aborting it would make that run send it all again. A zombie
     *       whose upload no other run took up aborts it as before (nobody else would).</li>
     * </ul>
     * An upload no run takes up (a task that never runs again) is removed by the S3 stale-upload
     * sweeper.
     */
    private static boolean keptForResume(FileWork w, MigrateException f) {
        if (w.upload == null || f.code() != ErrorCode.CANCELLED && f.code() != ErrorCode.SUPERSEDED) {
            return false;
        }
        synchronized (w.ledgerLock) {
            // Kept only if a journal names this very upload: this run's (with a range in it), or the
            // earlier run's it resumed. Also after this run stopped recording (its journal could not
            // take more, e.g. a full task root): what it recorded before still names the upload.
            if ((w.journalUpload != w.upload || w.journaled == 0) && !w.resumedUpload) {
                return false;
            }
        }
        try {
            if (f.code() == ErrorCode.CANCELLED && w.ledgerContext.stillOwned()) {
                return true;
            }
            String run = w.ledgerContext.runId();
            for (TaskStore.Ledger j : w.ledgerContext.ledgers(w.ledgerFile)) {
                Optional<PartLedger> l = PartLedger.decode(j);
                if (l.isPresent() && !l.get().run().equals(run) && sameUpload(l.get().upload(), w.upload)) {
                    return true;
                }
            }
        } catch (RuntimeException e) {
            log.debug("{}: cannot tell whether another run resumed the upload, aborting it: {}", w.targetKey,
                    e.toString());
        }
        return false;
    }

    /** Most new uploads one file opens after someone else removed its upload, within one attempt. */
    static final int MAX_RESTARTS = 3;

    /**
     * After the upload was removed by someone else ({@link UploadGoneException}: the stale-upload
     * sweeper, another node that resumed the task and started over, a zombie's abort): while a run
     * waiting for the file still owns its task, opens a new upload and sends the file again within
     * this attempt. A run that lost its task ends the file {@code SUPERSEDED} (the owner's run
     * copies it). Runs on the finalizing thread, when no range job of the work is left.
     *
     * @return whether the file was restarted
     */
    private boolean restartIfGone(FileWork w) {
        if (!(w.failure() instanceof UploadGoneException gone) || w.restarts >= MAX_RESTARTS || w.cancelled()) {
            return false;
        }
        if (!w.stillOwned()) {
            w.clearFailure();
            w.fail(new MigrateException(ErrorCode.SUPERSEDED, "the upload of " + w.targetKey + " was removed and the"
                    + " task is no longer owned by this run: nothing committed, the owning run's outcome stands"));
            return false;
        }
        w.restarts++;
        log.info("{}: its upload was removed by someone else ({}); starting it again ({} of at most {})",
                w.targetKey, gone.getMessage(), w.restarts, MAX_RESTARTS);
        w.clearFailure();
        w.receipts = new RangeReceipt[w.rangeCount];
        w.crcs = new int[w.rangeCount];
        w.recorded = new RangeReceipt[w.rangeCount];
        w.resumedUpload = false;
        try {
            openUpload(w);
        } catch (InterruptedException | RuntimeException e) {
            failWith(w, e);
            return false;
        }
        startRanges(w);
        return true;
    }

    private void rangeJob(FileWork w, int r) {
        try {
            if (!w.stopping()) {
                writeRange(w, r);
            }
        } catch (InterruptedException | RuntimeException e) {
            failWith(w, e);
        } finally {
            if (w.pending.decrementAndGet() == 0) {
                finalizeOrAbort(w);
            }
        }
    }

    /**
     * A file that fits one range, on a transport that stores it in one atomic request: read it
     * whole, check the source did not change while it was read (the buffer is then exactly the
     * checksummed content of one version of the file), put it at its final key with the final
     * metadata. No temporary object, no commit step.
     *
     * <p>The source is checked once more after the put, so a change during the request is still
     * reported (SOURCE_CHANGED, and the task's retry copies the new content): the object then
     * holds the complete, verified content that was read, described by its fingerprint metadata,
     * never a mix of two versions.
     */
    private void putWhole(FileWork w) throws InterruptedException {
        int length = (int) w.before.size();
        try (BufferPool.Lease lease = mover.pool.acquire(length, w::stopping)) {
            ByteBuffer buf = readRange(w, 0, length, lease);
            int crc = Crc32c.of(buf);
            requireUnchanged(w, "while read");
            Map<String, String> meta = new LinkedHashMap<>(w.before.metadata());
            meta.put(MetadataKeys.CHECKSUM, Crc32c.format(crc));
            Optional<TargetStat> standing = commitFenced(w, "put", true,
                    (s, guard) -> s.putWhole(w.targetKey, buf.duplicate(), crc, meta, guard));
            w.countRange(0, length, true);
            if (standing != null) {
                w.finish(FileOutcome.SKIPPED_IDENTICAL, null, null, standing.get().metadata().get(MetadataKeys.CHECKSUM));
                return;
            }
            requireUnchanged(w, "while its copy was stored (the destination holds the content read before the change)");
            log.debug("{} put whole, {} bytes, {}", w.targetKey, length, Crc32c.format(crc));
            w.finish(FileOutcome.COPIED, null, null, Crc32c.format(crc));
        }
    }

    /** @throws MigrateException SOURCE_CHANGED if the source's fingerprint is no longer the one taken first */
    private static void requireUnchanged(FileWork w, String when) {
        SourceFile.Fingerprint now = SourceFile.fingerprint(w.source);
        if (!now.equals(w.before)) {
            throw new MigrateException(ErrorCode.SOURCE_CHANGED,
                    "source changed " + when + ": before " + w.before + ", after " + now);
        }
    }

    /** Reads {@code length} bytes at {@code offset} of the source into the lease's buffer, flipped. */
    private static ByteBuffer readRange(FileWork w, long offset, int length, BufferPool.Lease lease) {
        ByteBuffer buf = lease.buffer();
        buf.clear().limit(length);
        try {
            while (buf.hasRemaining()) {
                if (w.channel.read(buf, offset + buf.position()) < 0) {
                    throw new MigrateException(ErrorCode.SOURCE_CHANGED,
                            "source shrank below " + w.before.size() + " bytes while copied");
                }
            }
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "cannot read source: " + e, e);
        }
        return buf.flip();
    }

    /**
     * The range through {@link TransportSession#copyRange}: no pooled buffer (the bytes never
     * enter the JVM), the checksum from the receipt. A source that ended early comes back as a
     * PERMANENT {@code SOURCE_CHANGED}, like a short read on the other path.
     */
    private void copyRange(FileWork w, int r, long offset, int length) throws InterruptedException {
        Upload upload = w.upload;
        FileChannel source = w.channel;
        RangeReceipt receipt = call(w, "copy", true, s -> s.copyRange(upload, offset, source, length));
        w.receipts[r] = receipt;
        w.crcs[r] = receipt.crc32c();
        w.countRange(r, length, true);
        recordLedger(w, r);
    }

    /**
     * Reads one range into a pooled direct buffer, checksums it and writes it; or, when the
     * transport copies local files, has it copy the range in the kernel and checksum what it wrote.
     */
    private void writeRange(FileWork w, int r) throws InterruptedException {
        long offset = r * w.rangeSize;
        int length = (int) Math.min(w.rangeSize, w.before.size() - offset);
        RangeReceipt recorded = w.recorded[r];
        if (mover.capabilities.copiesLocalFiles() && recorded == null) {
            copyRange(w, r, offset, length);
            return;
        }
        try (BufferPool.Lease lease = mover.pool.acquire(length, w::stopping)) {
            ByteBuffer buf = readRange(w, offset, length, lease);
            int crc = Crc32c.of(buf);
            if (recorded != null && recorded.length() == length && recorded.crc32c() == crc) {
                // An earlier run stored exactly these bytes (the destination said so in resume): not sent again.
                w.receipts[r] = recorded;
                w.crcs[r] = crc;
                w.countRange(r, length, false);
            } else {
                if (recorded != null) {
                    log.debug("{}: range at {} differs from what an earlier run stored; sending it", w.targetKey,
                            offset);
                }
                if (mover.capabilities.copiesLocalFiles()) {
                    copyRange(w, r, offset, length); // records it
                    return;
                }
                Upload upload = w.upload;
                RangeReceipt receipt = call(w, "write", true, s -> s.write(upload, offset, buf.duplicate(), crc));
                w.receipts[r] = receipt;
                w.crcs[r] = crc;
                w.countRange(r, length, true);
            }
        }
        // After the buffer went back to the pool: the next range's read need not wait for the fsync.
        recordLedger(w, r);
    }

    /** Runs once per file, after its last range: verify, complete, commit — or abort. */
    private void finalizeOrAbort(FileWork w) {
        if (w.failure() == null && w.cancelled()) {
            w.fail(new MigrateException(ErrorCode.CANCELLED, "task cancelled"));
        }
        if (w.failure() == null) {
            try {
                int crc = w.crcs[0];
                for (int r = 1; r < w.rangeCount; r++) {
                    crc = Crc32c.combine(crc, w.crcs[r], w.receipts[r].length());
                }
                requireUnchanged(w, "while copied");
                int fileCrc = crc;
                Upload upload = w.upload;
                w.committing(true); // counts as progress of the waiting tasks until it ends
                call(w, "complete", true, s -> {
                    s.complete(upload, Arrays.asList(w.receipts), fileCrc);
                    return null;
                });
                Map<String, String> meta = new LinkedHashMap<>(w.before.metadata());
                meta.put(MetadataKeys.CHECKSUM, Crc32c.format(fileCrc));
                Optional<TargetStat> standing = commitFenced(w, "commit", false,
                        (s, guard) -> s.commit(upload, meta, guard));
                if (standing != null) {
                    abort(w); // the key already holds this version: our temporary copy is not needed
                    w.finish(FileOutcome.SKIPPED_IDENTICAL, null, null,
                            standing.get().metadata().get(MetadataKeys.CHECKSUM));
                    return;
                }
                log.debug("{} committed, {} bytes, {}", w.targetKey, w.before.size(), Crc32c.format(fileCrc));
                w.finish(FileOutcome.COPIED, null, null, Crc32c.format(fileCrc));
                return;
            } catch (InterruptedException | RuntimeException e) {
                failWith(w, e);
            } finally {
                w.committing(false);
            }
        }
        if (restartIfGone(w)) {
            return;
        }
        MigrateException f = w.failure();
        if (keptForResume(w, f)) {
            log.info("{}: {}; its upload is kept for the next run of the task to resume (its part ledger names it)",
                    w.targetKey, f.code());
        } else {
            abort(w);
        }
        log.debug("{} failed: {}: {}", w.targetKey, f.code(), f.getMessage());
        w.finish(FileOutcome.FAILED, f.code(), f.getMessage(), null);
    }

    /** Most commit conflicts resolved for one file before it fails with TARGET_CONFLICT (retried by the task). */
    static final int MAX_CONFLICTS = 3;

    /** One guarded commit request (a commit of the upload, or a whole-file put). */
    @FunctionalInterface
    interface GuardedCommit {
        void commit(TransportSession session, CommitGuard guard);
    }

    /**
     * Commits with the fencing token taken when the attempt began, and only while a run that owns
     * the task waits for the file (re-checked by run id immediately before every commit request).
     * A failed guard ({@code TARGET_CONFLICT}: another attempt committed the key since this one
     * began) is never retried blindly: the key is read again and ownership re-checked. A run that
     * lost its task ends the file {@code SUPERSEDED} with nothing written. A run that still owns it
     * is the one whose version must stand, so the object there came from an older attempt (a
     * zombie that committed first): if it is this very version the file is skipped, otherwise it is
     * replaced, guarded by the version now seen. So the owner's version is the last one standing
     * in either order of the two commits, on a transport whose store enforces the guard.
     *
     * @return null if committed; the key's stat if it already held this version (the upload is then
     *     not needed)
     * @throws MigrateException {@code SUPERSEDED}, {@code TARGET_CONFLICT} after
     *     {@link #MAX_CONFLICTS}, or the commit's own failure
     */
    private Optional<TargetStat> commitFenced(FileWork w, String what, boolean cancellable, GuardedCommit op)
            throws InterruptedException {
        CommitGuard guard = w.guard;
        for (int conflicts = 0; ; conflicts++) {
            requireOwned(w, "before its " + what);
            CommitGuard g = guard;
            try {
                call(w, what, cancellable, s -> {
                    op.commit(s, g);
                    return null;
                });
                return null;
            } catch (TransportException e) {
                if (e.code() != ErrorCode.TARGET_CONFLICT || conflicts >= MAX_CONFLICTS) {
                    throw e;
                }
                Optional<TargetStat> now = call(w, "stat", false, s -> s.stat(w.targetKey));
                requireOwned(w, "after a conflicting commit of its key by another attempt");
                if (now.isPresent() && identical(now.get(), w.before)) {
                    log.debug("{}: another attempt committed this same version; skipped", w.targetKey);
                    return now;
                }
                log.info("{}: another attempt committed the key since this one began ({}); this run owns the task,"
                        + " so its version replaces it", w.targetKey, now.map(TargetStat::version).orElse("now absent"));
                guard = CommitGuard.of(now);
            }
        }
    }

    /** @throws MigrateException SUPERSEDED if no run waiting for the file still owns its task */
    private static void requireOwned(FileWork w, String when) {
        if (!w.stillOwned()) {
            throw new MigrateException(ErrorCode.SUPERSEDED, "the task is no longer owned by this run "
                    + when + " of " + w.targetKey + ": nothing committed, the owning run's outcome stands");
        }
    }

    /** Records why a file failed; an interrupt (close() gave up waiting) counts as cancellation. */
    private static void failWith(FileWork w, Exception e) {
        if (e instanceof MigrateException m) {
            w.fail(m);
        } else if (e instanceof InterruptedException) {
            w.fail(new MigrateException(ErrorCode.CANCELLED, "mover thread interrupted", e));
            Thread.currentThread().interrupt();
        } else {
            w.fail(new MigrateException(ErrorCode.INTERNAL, "unexpected: " + e, e));
        }
    }

    private void abort(FileWork w) {
        Upload upload = w.upload;
        if (upload != null) {
            abortUpload(w, upload);
        }
    }

    private void abortUpload(FileWork w, Upload upload) {
        boolean interrupted = Thread.interrupted(); // an abort must run even on an interrupted thread
        try {
            call(w, "abort", false, s -> {
                s.abort(upload);
                return null;
            });
        } catch (MigrateException | InterruptedException e) {
            log.warn("could not abort upload of {} ({}): {}", w.targetKey, upload.tempKey(), e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean identical(TargetStat stat, SourceFile.Fingerprint fp) {
        if (stat.size() != fp.size()) {
            return false;
        }
        String stored = stat.metadata().get(MetadataKeys.FINGERPRINT);
        if (stored != null) {
            return stored.equals(fp.stored());
        }
        // a destination without metadata support: size and mtime (see PosixTransport)
        String mtime = stat.metadata().get(MetadataKeys.MTIME_NANOS);
        return mtime != null && mtime.equals(Long.toString(fp.mtimeNanos()));
    }

    // ---- transport calls with retry, backoff and failover ---------------------------------

    /**
     * Calls the transport: RETRY backs off and tries again on the same endpoint, FAILOVER takes
     * the endpoint out and tries another at once, PERMANENT ends; at most {@code maxRetries}
     * retries.
     *
     * @param cancellable whether cancellation ends the call (not for commit and abort, which
     *     must run to leave nothing half-done)
     */
    private <T> T call(FileWork w, String what, boolean cancellable, Function<TransportSession, T> op)
            throws InterruptedException {
        int retries = 0;
        while (true) {
            if (cancellable && w.cancelled()) {
                throw new MigrateException(ErrorCode.CANCELLED, "task cancelled");
            }
            String endpoint = mover.endpoints.choose(index, mover.config.endpointWait(),
                    cancellable ? w::cancelled : () -> false);
            try {
                return op.apply(session(endpoint));
            } catch (TransportException e) {
                if (e.disposition() == Disposition.PERMANENT || retries >= mover.config.maxRetries()) {
                    throw e;
                }
                retries++;
                w.attempts.incrementAndGet();
                if (e.disposition() == Disposition.FAILOVER) {
                    mover.endpoints.markDown(endpoint, e);
                    dropSession();
                    log.debug("{} {} on {}: failing over ({}/{}): {}", what, w.targetKey, endpoint, retries,
                            mover.config.maxRetries(), e.getMessage());
                } else {
                    log.debug("{} {} on {}: retry {}/{}: {}", what, w.targetKey, endpoint, retries,
                            mover.config.maxRetries(), e.getMessage());
                    backoff(retries, cancellable ? w : null);
                }
            }
        }
    }

    /** Sleeps {@code initial × 2^(n-1)} capped, with jitter in [½, 1] of it; wakes on cancellation. */
    private void backoff(int retry, FileWork w) throws InterruptedException {
        long base = mover.config.initialBackoff().toNanos();
        long max = mover.config.maxBackoff().toNanos();
        long delay = retry >= 40 ? max : Math.min(max, base << (retry - 1));
        delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        long end = System.nanoTime() + delay;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            if (w != null && w.cancelled()) {
                throw new MigrateException(ErrorCode.CANCELLED, "task cancelled");
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
    }

    /** This thread's session to {@code endpoint}, reused while the thread stays on it. */
    private TransportSession session(String endpoint) {
        if (session != null && session.endpointId().equals(endpoint)) {
            return session;
        }
        dropSession();
        session = mover.transport.openSession(endpoint);
        return session;
    }

    private void dropSession() {
        if (session != null) {
            try {
                session.close();
            } catch (RuntimeException e) {
                log.debug("closing session to {} failed: {}", session.endpointId(), e.toString());
            }
            session = null;
        }
    }
}
