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

    /**
     * Part ledger journals by file index, each a map of run id to that run's journal (header first,
     * then its records): give two contexts the same map ({@link #sharingLedgersWith}) to play two
     * runs of one task.
     */
    private volatile java.util.Map<Integer, java.util.Map<String, java.util.List<byte[]>>> ledgers;
    /** Or a real store and task id to keep them in ({@link #ledgersIn}); null if none. */
    private volatile io.migrate.task.TaskStore store;
    private volatile String taskId;

    /**
     * Keeps part ledgers from now on (by default a test context keeps none, like a context without a
     * task root: a cancelled file's upload is then aborted, not kept for a later run).
     *
     * @return this
     */
    public TestExecutionContext keepingLedgers() {
        if (ledgers == null) {
            ledgers = new java.util.concurrent.ConcurrentHashMap<>();
        }
        return this;
    }

    /**
     * @param earlier the context of an earlier run of the same task
     * @return this, reading and writing the same part ledgers as {@code earlier}
     */
    public TestExecutionContext sharingLedgersWith(TestExecutionContext earlier) {
        if (earlier.store != null) {
            return ledgersIn(earlier.store, earlier.taskId);
        }
        this.ledgers = earlier.keepingLedgers().ledgers;
        return this;
    }

    /**
     * Keeps part ledgers in a real store, as a worker does ({@link io.migrate.task.TaskStore#startLedger}).
     *
     * @param store the store
     * @param taskId the task (submitted to it)
     * @return this
     */
    public TestExecutionContext ledgersIn(io.migrate.task.TaskStore store, String taskId) {
        this.store = store;
        this.taskId = taskId;
        return this;
    }

    @Override
    public boolean startLedger(int file, byte[] header) {
        if (store != null) {
            return store.startLedger(taskId, runId, file, header);
        }
        java.util.Map<Integer, java.util.Map<String, java.util.List<byte[]>>> l = ledgers;
        if (l == null) {
            return false;
        }
        java.util.List<byte[]> journal = new java.util.concurrent.CopyOnWriteArrayList<>();
        journal.add(header.clone());
        l.computeIfAbsent(file, f -> new java.util.concurrent.ConcurrentHashMap<>()).put(runId, journal);
        return true;
    }

    private volatile int appendsBeforeFailing = Integer.MAX_VALUE;
    private final java.util.concurrent.atomic.AtomicInteger appends = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Makes every ledger append after the first {@code n} fail, as on a task root that filled up.
     *
     * @param n appends that succeed
     * @return this
     */
    public TestExecutionContext failingLedgerAppendsAfter(int n) {
        this.appendsBeforeFailing = n;
        return this;
    }

    @Override
    public boolean appendLedger(int file, java.util.List<byte[]> records) {
        if (appends.incrementAndGet() > appendsBeforeFailing) {
            throw new java.io.UncheckedIOException(new java.io.IOException("injected: no space left on the task root"));
        }
        if (store != null) {
            return store.appendLedger(taskId, runId, file, records);
        }
        java.util.Map<Integer, java.util.Map<String, java.util.List<byte[]>>> l = ledgers;
        java.util.List<byte[]> journal = l == null ? null : l.getOrDefault(file, java.util.Map.of()).get(runId);
        if (journal == null) {
            return false;
        }
        records.forEach(r -> journal.add(r.clone()));
        return true;
    }

    @Override
    public java.util.List<io.migrate.task.TaskStore.Ledger> ledgers(int file) {
        if (store != null) {
            return store.ledgers(taskId, file);
        }
        java.util.Map<Integer, java.util.Map<String, java.util.List<byte[]>>> l = ledgers;
        java.util.List<io.migrate.task.TaskStore.Ledger> out = new java.util.ArrayList<>();
        if (l != null) {
            l.getOrDefault(file, java.util.Map.of()).forEach((run, journal) -> {
                java.util.List<byte[]> copy = java.util.List.copyOf(journal);
                out.add(new io.migrate.task.TaskStore.Ledger(run, copy.get(0), copy.subList(1, copy.size())));
            });
        }
        return out;
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

    private final AtomicBoolean shutDown = new AtomicBoolean();

    /**
     * Cancels as a closing node does: {@link #isCancelled()} answers true, but the run still owns its
     * task ({@link #stillOwned()} true unless {@link #lose()}), which runs again later.
     */
    public void shutDown() {
        shutDown.set(true);
        cancelled.set(true);
    }

    @Override
    public boolean stillOwned() {
        return !lost.get() && (!cancelled.get() || shutDown.get());
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
