package io.migrate.transport.posix;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per temporary file that ranges are being copied into, so only one in-kernel copy
 * writes a given file at a time while the other mover threads checksum their ranges or wait
 * parked. Without it, two {@code sendfile} calls into one file contend on the file's inode lock
 * in the kernel, which spins: {@code perf} showed {@code rwsem_spin_on_owner} at 17% of the CPU
 * samples of a 2-thread copy of one 1 GiB file (ext4), a third of the mover's CPU time gone to
 * waiting. Buffered writes to one file are serialised by that lock on ext4, XFS and NFS anyway,
 * so this costs no concurrency there.
 *
 * <p>Entries live only while some thread holds or waits for them. Thread-safe; shared by all
 * sessions of one transport (keys are temporary keys relative to the endpoint root, the same
 * through every endpoint).
 */
final class CopyLocks {
    /** The lock of a key and how many threads hold or want it; {@code users} changes only inside a map operation. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * Runs {@code copy} holding the lock of {@code tempKey}.
     *
     * @param tempKey the temporary file's key
     * @param copy the copy
     * @throws InterruptedException if interrupted while waiting (the copy did not run)
     * @throws java.io.IOException what the copy throws
     */
    void withLock(String tempKey, IoAction copy) throws InterruptedException, java.io.IOException {
        Entry e = entries.compute(tempKey, (k, v) -> {
            Entry entry = v == null ? new Entry() : v;
            entry.users++;
            return entry;
        });
        try {
            e.lock.lockInterruptibly();
            try {
                copy.run();
            } finally {
                e.lock.unlock();
            }
        } finally {
            entries.computeIfPresent(tempKey, (k, v) -> --v.users == 0 ? null : v);
        }
    }

    /** @return keys with a holder or waiter, for tests */
    int size() {
        return entries.size();
    }

    /** An I/O step. */
    @FunctionalInterface
    interface IoAction {
        /** @throws java.io.IOException on failure */
        void run() throws java.io.IOException;
    }
}
