package io.migrate.move.internal;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A bounded pool of direct buffers: the only memory the mover uses for file data, so memory
 * does not grow with file size or count. Capacity is counted in slots of {@code slotSize}
 * bytes; a lease takes as many slots as it needs (normally one). Buffers are allocated lazily
 * and reused; a lease larger than one slot (a transport that needs bigger parts) gets its own
 * buffer, still counted against the cap.
 *
 * <p>Thread-safe. The in-use count and its high-water mark are what the memory test checks.
 */
public final class BufferPool {
    private final int slotSize;
    private final int slots;
    private final Semaphore permits;
    /** Free single-slot buffers, reused to avoid allocating direct memory per range. */
    private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
    private final AtomicLong inUseBytes = new AtomicLong();
    private final AtomicLong highWaterBytes = new AtomicLong();

    /**
     * @param capacityBytes the most bytes leased at once
     * @param slotSize the size of one pooled buffer, {@code <= capacityBytes}
     */
    public BufferPool(long capacityBytes, int slotSize) {
        if (slotSize <= 0 || capacityBytes < slotSize) {
            throw new IllegalArgumentException("capacity " + capacityBytes + " below slot size " + slotSize);
        }
        this.slotSize = slotSize;
        this.slots = (int) Math.min(Integer.MAX_VALUE, capacityBytes / slotSize);
        this.permits = new Semaphore(slots, true);
    }

    /** A leased buffer; release it exactly once. Not thread-safe. */
    public final class Lease implements AutoCloseable {
        private final ByteBuffer buffer;
        private final int leasedSlots;
        private boolean released;

        private Lease(ByteBuffer buffer, int leasedSlots) {
            this.buffer = buffer;
            this.leasedSlots = leasedSlots;
        }

        /** @return the buffer, cleared, with capacity at least the requested length */
        public ByteBuffer buffer() {
            return buffer;
        }

        /** Returns the buffer to the pool. Idempotent. */
        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            if (leasedSlots == 1) {
                buffer.clear();
                free.add(buffer);
            }
            inUseBytes.addAndGet(-(long) leasedSlots * slotSize);
            permits.release(leasedSlots);
        }
    }

    /**
     * Leases a buffer of at least {@code length} bytes, waiting while the pool is exhausted.
     *
     * @param length bytes needed
     * @param cancelled polled while waiting; when it turns true the wait ends with {@code CANCELLED}
     * @return the lease
     * @throws InterruptedException if interrupted while waiting
     * @throws MigrateException {@code CANCELLED} when cancelled while waiting, or
     *     {@code INVALID_CONFIGURATION} when {@code length} exceeds the whole pool
     */
    public Lease acquire(long length, BooleanSupplier cancelled) throws InterruptedException {
        int need = (int) Math.max(1, (length + slotSize - 1) / slotSize);
        if (need > slots) {
            throw new MigrateException(ErrorCode.INVALID_CONFIGURATION, "a range of " + length
                    + " bytes does not fit maxInFlightBytes " + (long) slots * slotSize);
        }
        // Poll in short slices so that cancellation ends a wait within a bounded time.
        while (!permits.tryAcquire(need, 50, TimeUnit.MILLISECONDS)) {
            if (cancelled.getAsBoolean()) {
                throw new MigrateException(ErrorCode.CANCELLED, "cancelled while waiting for a buffer");
            }
        }
        long now = inUseBytes.addAndGet((long) need * slotSize);
        highWaterBytes.accumulateAndGet(now, Math::max);
        ByteBuffer buf;
        if (need == 1) {
            buf = free.poll();
            if (buf == null) {
                buf = ByteBuffer.allocateDirect(slotSize);
            }
        } else {
            buf = ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE, (long) need * slotSize));
        }
        buf.clear();
        return new Lease(buf, need);
    }

    /** @return the cap in bytes (slots times slot size) */
    public long capacityBytes() {
        return (long) slots * slotSize;
    }

    /** @return bytes leased right now */
    public long inUseBytes() {
        return inUseBytes.get();
    }

    /** @return the most bytes ever leased at once */
    public long highWaterBytes() {
        return highWaterBytes.get();
    }
}
