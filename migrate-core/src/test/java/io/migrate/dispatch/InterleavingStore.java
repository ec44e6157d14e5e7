package io.migrate.dispatch;

import io.migrate.error.ErrorCode;
import io.migrate.task.MigrationTask;
import io.migrate.task.MoveOutcome;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A store that, before some transitions, lets another actor run first (chosen by the test), so a
 * single-threaded simulation reproduces the interleavings of real concurrency: the caller's
 * listing is then stale and its rename may lose the race. Everything else is the real store.
 */
final class InterleavingStore implements TaskStore {
    /** Decides, before a transition, whether to run another actor first. */
    interface Interleaver {
        void beforeTransition(TaskRef ref);
    }

    private final TaskStore delegate;
    private final Interleaver interleaver;
    private boolean inside;
    /** Transitions of any actor that found their task gone. */
    long lostRaces;

    InterleavingStore(TaskStore delegate, Interleaver interleaver) {
        this.delegate = delegate;
        this.interleaver = interleaver;
    }

    private void interleave(TaskRef ref) {
        if (inside) {
            return; // one level deep is enough, and keeps the run bounded
        }
        inside = true;
        try {
            interleaver.beforeTransition(ref);
        } finally {
            inside = false;
        }
    }

    private MoveOutcome count(MoveOutcome outcome) {
        if (outcome == MoveOutcome.LOST_RACE) {
            lostRaces++;
        }
        return outcome;
    }

    @Override
    public TaskRef submit(MigrationTask task) {
        return delegate.submit(task);
    }

    @Override
    public Stream<TaskRef> list(TaskState state) {
        return delegate.list(state);
    }

    @Override
    public Stream<TaskRef> list(TaskState state, String node) {
        return delegate.list(state, node);
    }

    @Override
    public long count(TaskState state, String node) {
        return delegate.count(state, node);
    }

    @Override
    public Set<String> nodes() {
        return delegate.nodes();
    }

    @Override
    public void registerNode(String node) {
        delegate.registerNode(node);
    }

    @Override
    public Optional<StoredTask> read(TaskRef ref) {
        return delegate.read(ref);
    }

    @Override
    public Optional<TaskResult> result(TaskRef ref) {
        return delegate.result(ref);
    }

    @Override
    public MoveOutcome move(TaskRef ref, TaskState to, String toNode) {
        interleave(ref);
        return count(delegate.move(ref, to, toNode));
    }

    @Override
    public MoveOutcome move(TaskRef ref, TaskState to, String toNode, TaskEvent event) {
        interleave(ref);
        return count(delegate.move(ref, to, toNode, event));
    }

    @Override
    public boolean touchLease(TaskRef running) {
        return delegate.touchLease(running);
    }

    @Override
    public Optional<Instant> leaseRenewedAt(TaskRef running) {
        return delegate.leaseRenewedAt(running);
    }

    @Override
    public MoveOutcome complete(TaskRef running, TaskResult result) {
        interleave(running);
        return count(delegate.complete(running, result));
    }

    @Override
    public MoveOutcome fail(TaskRef ref, ErrorCode code, String message, TaskResult result) {
        interleave(ref);
        return count(delegate.fail(ref, code, message, result));
    }

    @Override
    public Optional<TaskRef> find(String taskId) {
        return delegate.find(taskId);
    }

    @Override
    public int purgeArchive(Duration retention) {
        return delegate.purgeArchive(retention);
    }

    @Override
    public int cleanStaleIncoming(Duration olderThan) {
        return delegate.cleanStaleIncoming(olderThan);
    }
}
