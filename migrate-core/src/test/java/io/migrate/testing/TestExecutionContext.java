package io.migrate.testing;

import io.migrate.worker.ExecutionContext;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link ExecutionContext} for tests: cancel it on demand, and it remembers the progress it
 * was told (the last values and the highest byte count ever reported). Thread-safe.
 */
public final class TestExecutionContext implements ExecutionContext {
    private final String node;
    private final String runId = UUID.randomUUID().toString();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean lost = new AtomicBoolean();
    private final AtomicLong lastBytes = new AtomicLong();
    private final AtomicLong maxBytes = new AtomicLong();
    private final AtomicInteger lastFiles = new AtomicInteger();
    private final AtomicInteger reports = new AtomicInteger();

    /** @param node the node id to report */
    public TestExecutionContext(String node) {
        this.node = node;
    }

    /** Makes {@link #isCancelled()} answer true from now on. */
    public void cancel() {
        cancelled.set(true);
    }

    /**
     * Makes {@link #stillOwned()} answer false from now on, without cancelling: a paused node whose
     * task was reclaimed meanwhile, which has not noticed yet.
     */
    public void lose() {
        lost.set(true);
    }

    @Override
    public boolean stillOwned() {
        return !lost.get() && !cancelled.get();
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public boolean isCancelled() {
        return cancelled.get();
    }

    @Override
    public void progress(long bytesDone, int filesDone) {
        lastBytes.set(bytesDone);
        maxBytes.accumulateAndGet(bytesDone, Math::max);
        lastFiles.set(filesDone);
        reports.incrementAndGet();
    }

    /** @return the last reported byte count */
    public long lastBytes() {
        return lastBytes.get();
    }

    /** @return the highest byte count ever reported */
    public long maxBytes() {
        return maxBytes.get();
    }

    /** @return the last reported file count */
    public int lastFiles() {
        return lastFiles.get();
    }

    /** @return how many progress reports arrived */
    public int reports() {
        return reports.get();
    }
}
