package io.migrate.task;

import io.migrate.error.ErrorCode;
import io.migrate.internal.Require;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the host shows an operator: the state of a task by id (with its attempt and, once it
 * ended, its outcome and failed files by code), and counts per state and per node with the lease
 * ages of running tasks. Every answer is read from the task store when asked ({@link #status}
 * reads the one task file; {@link #snapshot} and {@link #node} only list directories and file
 * times), so it reflects other processes too and may be stale by the time it is shown.
 *
 * <p>Thread-safe.
 */
public final class TaskStatusView {
    private final TaskStore store;
    private final Clock clock;

    private TaskStatusView(TaskStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * @param store the task store
     * @return a view on it using the UTC system clock for lease ages
     */
    public static TaskStatusView of(TaskStore store) {
        return of(store, Clock.systemUTC());
    }

    /**
     * @param store the task store
     * @param clock the clock lease ages are measured with
     * @return a view
     * @throws io.migrate.error.ConfigurationException if an argument is null
     */
    public static TaskStatusView of(TaskStore store, Clock clock) {
        return new TaskStatusView(Require.nonNull("status.store", store), Require.nonNull("status.clock", clock));
    }

    /**
     * Where one task is.
     *
     * @param taskId the id
     * @return its status, or empty when unknown (never submitted, or archived and purged)
     * @throws io.migrate.error.MigrateException with {@code TASK_STORE_IO} if the root cannot be read
     */
    public Optional<TaskStatus> status(String taskId) {
        return store.find(taskId).map(this::statusOf);
    }

    private TaskStatus statusOf(TaskRef ref) {
        Optional<Duration> leaseAge = ref.state() == TaskState.RUNNING
                ? store.leaseRenewedAt(ref).map(this::age)
                : Optional.empty();
        int attempt = 0;
        Optional<TaskResult> result = Optional.empty();
        try {
            Optional<StoredTask> st = store.read(ref);
            if (st.isPresent()) {
                attempt = st.get().task().attempt();
                result = st.get().result();
            }
        } catch (InvalidTaskException e) {
            // unreadable: no attempt; a task in failed/ still has its result below
        }
        boolean terminal = ref.state() == TaskState.DONE || ref.state() == TaskState.FAILED
                || ref.state() == TaskState.ARCHIVED;
        if (result.isEmpty() && terminal) {
            result = store.result(ref);
        }
        return new TaskStatus(ref.taskId(), ref.state(), ref.node(), leaseAge, TaskFileNames.failureCode(ref), attempt,
                result);
    }

    /**
     * Counts every state and node. With a {@link DirectoryTaskStore} the bucketed states are counted
     * from per-bucket counts that are used only while the bucket's mtime is the one they were taken
     * at, and kept in the task root between processes ({@code docs/task-root.md}, "Counting"): a
     * snapshot costs one {@code stat} per bucket plus a listing of the buckets that changed, also in
     * a new process, and is never older than the call.
     *
     * @return a snapshot (states and nodes are read one after the other, not atomically)
     * @throws io.migrate.error.MigrateException with {@code TASK_STORE_IO} if the root cannot be read
     */
    public Snapshot snapshot() {
        Instant at = clock.instant();
        Map<TaskState, Long> counts = new EnumMap<>(TaskState.class);
        for (TaskState s : TaskState.values()) {
            if (s != TaskState.INCOMING) {
                counts.put(s, 0L);
            }
        }
        Map<String, NodeStatus> nodes = new LinkedHashMap<>();
        for (String node : store.nodes()) {
            NodeStatus n = node(node);
            nodes.put(node, n);
            counts.merge(TaskState.INBOX, n.inbox(), Long::sum);
            counts.merge(TaskState.RUNNING, (long) n.leaseAges().size(), Long::sum);
        }
        for (TaskState s : counts.keySet()) {
            if (!s.perNode()) {
                counts.put(s, store.count(s, null));
            }
        }
        return new Snapshot(at, counts, nodes);
    }

    /**
     * One node's backlog and the lease ages of its running tasks.
     *
     * @param node the node
     * @return its status (zero counts for a node without directories)
     * @throws io.migrate.error.MigrateException with {@code TASK_STORE_IO} if the root cannot be read
     */
    public NodeStatus node(String node) {
        long inbox = store.count(TaskState.INBOX, node);
        Map<String, Duration> ages = new LinkedHashMap<>();
        List<TaskRef> running = new ArrayList<>();
        try (Stream<TaskRef> s = store.list(TaskState.RUNNING, node)) {
            s.forEach(running::add);
        }
        for (TaskRef r : running) {
            // A task that moved on since the listing is simply not running any more.
            store.leaseRenewedAt(r).ifPresent(t -> ages.put(r.taskId(), age(t)));
        }
        return new NodeStatus(node, inbox, ages);
    }

    private Duration age(Instant renewedAt) {
        Duration d = Duration.between(renewedAt, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * The state of one task and, once it ended, its outcome.
     *
     * @param taskId the id
     * @param state where it is
     * @param node the node for {@link TaskState#INBOX} and {@link TaskState#RUNNING}, else null
     * @param leaseAge for running tasks, time since the lease was last renewed
     * @param failureCode for failed tasks (in {@code failed/}, or archived from there), why (from
     *     the file name, so also for unreadable files)
     * @param attempt the task's attempt (1 for a first attempt), 0 when its file cannot be read
     * @param result the committed result once the task ended ({@code done/}, {@code failed/},
     *     {@code archive/}), else empty
     */
    public record TaskStatus(String taskId, TaskState state, String node, Optional<Duration> leaseAge,
            Optional<ErrorCode> failureCode, int attempt, Optional<TaskResult> result) {
        /** Checks for nulls. */
        public TaskStatus {
            Objects.requireNonNull(taskId, "taskId");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(leaseAge, "leaseAge");
            Objects.requireNonNull(failureCode, "failureCode");
            Objects.requireNonNull(result, "result");
        }

        /**
         * A status without attempt and result (what this record held before them).
         *
         * @param taskId the id
         * @param state where it is
         * @param node the node for per-node states, else null
         * @param leaseAge for running tasks, time since the lease was last renewed
         * @param failureCode for failed tasks, why
         */
        public TaskStatus(String taskId, TaskState state, String node, Optional<Duration> leaseAge,
                Optional<ErrorCode> failureCode) {
            this(taskId, state, node, leaseAge, failureCode, 0, Optional.empty());
        }

        /** @return the outcome once the task ended, else empty */
        public Optional<TaskOutcome> outcome() {
            return result.map(TaskResult::outcome);
        }

        /** @return how many files failed with each code, empty until the task ended */
        public Map<ErrorCode, Long> countsByCode() {
            return result.map(TaskResult::countsByCode).orElse(Map.of());
        }

        /** @return one line for an operator: state, node, attempt, lease age, outcome and counts */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(taskId).append(' ').append(state);
            if (node != null) {
                b.append(" on ").append(node);
            }
            b.append(" attempt ").append(attempt == 0 ? "?" : Integer.toString(attempt));
            leaseAge.ifPresent(a -> b.append(" lease age ").append(a.toMillis()).append(" ms"));
            result.ifPresent(r -> {
                b.append(" outcome ").append(r.outcome());
                if (r.code() != null) {
                    b.append(' ').append(r.code());
                }
                long failed = r.files().stream().filter(f -> !f.succeeded()).count();
                b.append(", files ").append(r.files().size()).append(" (").append(failed).append(" failed)");
                if (!r.countsByCode().isEmpty()) {
                    b.append(", by code ").append(r.countsByCode());
                }
                b.append(r.isFinal() ? ", final" : ", retried as " + r.retryTaskId());
            });
            if (result.isEmpty()) {
                failureCode.ifPresent(c -> b.append(" failed ").append(c));
            }
            return b.toString();
        }
    }

    /**
     * One node's backlog.
     *
     * @param node the node
     * @param inbox tasks assigned, not started
     * @param leaseAges running tasks by id, with the time since their lease was renewed, in id
     *     order (immutable)
     */
    public record NodeStatus(String node, long inbox, Map<String, Duration> leaseAges) {
        /** Copies the map. */
        public NodeStatus {
            Objects.requireNonNull(node, "node");
            leaseAges = Collections.unmodifiableMap(new LinkedHashMap<>(leaseAges));
        }

        /** @return number of running tasks */
        public long running() {
            return leaseAges.size();
        }

        /** @return the age of the oldest lease, or empty when nothing runs */
        public Optional<Duration> oldestLeaseAge() {
            return leaseAges.values().stream().max(Duration::compareTo);
        }
    }

    /**
     * Counts of the whole task root.
     *
     * @param at when the snapshot was taken
     * @param counts tasks per state, every state but {@link TaskState#INCOMING} present
     *     (immutable)
     * @param nodes per-node status by node id, sorted (immutable)
     */
    public record Snapshot(Instant at, Map<TaskState, Long> counts, Map<String, NodeStatus> nodes) {
        /** Copies the maps. */
        public Snapshot {
            Objects.requireNonNull(at, "at");
            Map<TaskState, Long> copy = new EnumMap<>(TaskState.class);
            copy.putAll(counts);
            counts = Collections.unmodifiableMap(copy);
            nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        }

        /**
         * @param state a state
         * @return its count
         */
        public long count(TaskState state) {
            return counts.getOrDefault(state, 0L);
        }
    }
}
