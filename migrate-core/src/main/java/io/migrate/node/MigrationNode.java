package io.migrate.node;

import io.migrate.dispatch.DispatchConfig;
import io.migrate.dispatch.LeaderGate;
import io.migrate.dispatch.Notifier;
import io.migrate.dispatch.TaskDispatcher;
import io.migrate.dispatch.TaskReclaimer;
import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.Membership;
import io.migrate.internal.Lifecycle;
import io.migrate.internal.Require;
import io.migrate.move.MoveListener;
import io.migrate.move.MoverConfig;
import io.migrate.move.MoverTaskExecutor;
import io.migrate.move.ParallelFileMover;
import io.migrate.result.LoggingResultPublisher;
import io.migrate.result.ResultListener;
import io.migrate.result.ResultOutbox;
import io.migrate.result.ResultPublisher;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import io.migrate.task.TaskStore;
import io.migrate.task.TaskSubmitter;
import io.migrate.transport.Transport;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One migrate node as a host embeds it: the manager side (submitting, and while leading,
 * dispatching and reclaiming), the backend side (worker, mover, result outbox), or both, on one
 * shared task root.
 *
 * <pre>{@code
 * try (MigrationNode node = MigrationNode.builder()
 *         .nodeId("backend-1")
 *         .taskRoot(Path.of("/mnt/nas/.migrate"))
 *         .roles(NodeRole.BACKEND)
 *         .highAvailability(election, membership)
 *         .transport(s3Transport)
 *         .publisher(kafkaPublisher)
 *         .build()) {
 *     node.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Ownership: the node takes ownership of the election, membership, transport and publisher
 * it is given and closes them in {@link #close()}. Thread-safety: every method may be called
 * from any thread; {@link #start()} and {@link #close()} are idempotent; {@code close()} stops
 * the leader side first (no move after leadership is given up), then the worker (executions
 * cancelled, bounded wait), then the outbox, then the result futures (those still waiting fail
 * with {@code CANCELLED}), then releases the transport, publisher and HA.
 *
 * <p>Results reach the host three ways, all at least once: the {@link ResultPublisher} (Kafka),
 * in-process {@link #onResult listeners}, and the future of {@link #submit} /
 * {@link #result(String)}, which completes with the final result of a task and its retries.
 *
 * <p>Fail fast: {@link #start()} refuses to start a node that could not work (task root not
 * writable, destination bucket missing, HA backend unreachable past its connection timeout)
 * and says why with an {@link ErrorCode}; what may recover by itself (an endpoint down) is
 * reported by {@link #health()} instead.
 */
public final class MigrationNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationNode.class);

    private final String nodeId;
    private final Set<NodeRole> roles;
    private final DirectoryTaskStore store;
    private final TaskSubmitter submitter;
    private final TaskStatusView status;
    private final LeaderElection election;
    private final Membership membership;
    private final LeaderGate gate;
    private final TaskDispatcher dispatcher;
    private final TaskReclaimer reclaimer;
    private final ParallelFileMover mover;
    private final Worker worker;
    private final ResultOutbox outbox;
    private final Transport transport;
    private final ObservedPublisher publisher;
    private final Clock clock;
    private final Completions completions;
    /** NEW → STARTED → CLOSED in one CAS (issue 17); {@link #health()} reports it. */
    private final Lifecycle lifecycle;

    private MigrationNode(Builder b) {
        this.nodeId = b.nodeId;
        this.lifecycle = new Lifecycle("node " + nodeId);
        this.roles = Set.copyOf(b.roles);
        this.election = b.election;
        this.membership = b.membership;
        this.transport = b.transport;
        this.publisher = new ObservedPublisher(b.publisher, b.clock);
        this.clock = b.clock;
        this.store = DirectoryTaskStore.builder().root(b.taskRoot).clock(b.clock).build();
        this.submitter = TaskSubmitter.builder().store(store).clock(b.clock)
                .staleIncomingAfter(b.dispatchConfig.incomingTimeout())
                .afterSubmit(this::submitted).build();
        this.status = TaskStatusView.of(store, b.clock);
        Notifier notifier = b.notifier;
        if (roles.contains(NodeRole.MANAGER) && roles.contains(NodeRole.BACKEND)) {
            // Tasks this node assigns to itself wake its own worker at once, then the host's notifier.
            Notifier host = b.notifier;
            notifier = (target, ids) -> {
                if (target.equals(nodeId)) {
                    wakeUp();
                }
                host.tasksAssigned(target, ids);
            };
        }
        if (roles.contains(NodeRole.MANAGER)) {
            gate = LeaderGate.create(election, b.taskRoot, b.dispatchConfig);
            dispatcher = TaskDispatcher.builder().store(store).membership(membership).gate(gate)
                    .notifier(notifier).config(b.dispatchConfig).clock(b.clock).build();
            reclaimer = TaskReclaimer.builder().store(store).membership(membership).gate(gate)
                    .config(b.dispatchConfig).clock(b.clock).build();
        } else {
            gate = null;
            dispatcher = null;
            reclaimer = null;
        }
        if (roles.contains(NodeRole.BACKEND)) {
            mover = ParallelFileMover.builder(transport).config(b.moverConfig).listener(b.moveListener).build();
            worker = Worker.builder().node(nodeId).store(store).taskExecutor(new MoverTaskExecutor(mover))
                    .membership(membership).config(b.workerConfig).clock(b.clock)
                    .afterExecution(this::executionEnded).build();
            outbox = ResultOutbox.builder().store(store).publisher(publisher).node(nodeId)
                    .pollInterval(b.outboxPollInterval).archiveRetention(b.archiveRetention)
                    .takeoverAfter(b.outboxTakeoverAfter).build();
        } else {
            mover = null;
            worker = null;
            outbox = null;
        }
        completions = new Completions(store, b.resultPollInterval);
        if (outbox != null) {
            outbox.addListener((task, result) -> completions.offer(result));
        }
    }

    /** On an execution thread: a task left running/ (committed, failed or lost). */
    private void executionEnded() {
        outbox.wakeUp(); // its result is in done/ or failed/: publish it now, not at the next poll
        if (dispatcher != null) {
            dispatcher.dispatchSoon(); // this backend has room again
        }
        completions.wakeUp();
    }

    /** @return a builder; node id, task root and, for backends, a transport are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts every part the roles call for. First the checks that would otherwise surface late:
     * a file is created and deleted in every directory of the task root's layout, and a backend's
     * mover checks every destination endpoint once. Then HA, then the backend side (so this node
     * is alive before it may be assigned work), then the leader side.
     *
     * <p>If it throws, everything already started is stopped again and the node is closed.
     *
     * @throws MigrateException {@code TASK_STORE_IO} naming the directory if the task root is not
     *     writable; {@code TARGET_NOT_FOUND} naming the bucket (or {@code ACCESS_DENIED}) if the
     *     destination answers that it cannot be used; {@code HA_UNAVAILABLE} if the HA backend
     *     cannot be reached within its connection timeout (ZooKeeper). Endpoints that are down
     *     do not stop the start: {@link #health()} shows them.
     * @throws IllegalStateException if the node is closed
     */
    public void start() {
        if (!lifecycle.start()) {
            return;
        }
        String previousNode = MDC.get("node");
        MDC.put("node", nodeId);
        try {
            probeTaskRoot().ifPresent(error -> {
                throw new MigrateException(ErrorCode.TASK_STORE_IO, "task root " + store.root() + " is not writable: "
                        + error);
            });
            if (mover != null) {
                // Before HA: nothing may be assigned to a node whose destination is unusable.
                mover.start();
            }
            membership.start();
            if (gate != null) {
                // Only managers stand for election. A backend-only node in the election can win it
                // (ZooKeeper hands the latch to the next in line, whatever its roles) and then nobody
                // dispatches or reclaims: seen in the e2e LeaderFailoverIT when the leader was killed.
                election.start();
            }
            if (worker != null) {
                store.registerNode(nodeId);
                // The first heartbeat before anything dispatches: this node is eligible at the
                // leader's first tick, not one membership observation later.
                membership.heartbeat();
                worker.start();
                outbox.start();
            }
            if (gate != null) {
                gate.start();
                dispatcher.start();
                reclaimer.start();
            }
            LOG.info("node {} started with roles {} on {}", nodeId, roles, store.root());
        } catch (RuntimeException e) {
            LOG.error("node {} failed to start: {}", nodeId, e.getMessage());
            try {
                close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        } finally {
            if (previousNode == null) {
                MDC.remove("node");
            } else {
                MDC.put("node", previousNode);
            }
        }
    }

    /**
     * Creates, writes and deletes a small file in every directory of the layout this node moves
     * tasks through (and its own inbox and running directories once they exist). A read-only
     * mount or directory otherwise shows only as WARNs on every poll, and a backend-only node
     * never throws at all.
     *
     * @return the first directory that refused, with the error; empty when all are writable
     */
    private Optional<String> probeTaskRoot() {
        List<Path> dirs = new java.util.ArrayList<>();
        dirs.add(store.root());
        for (TaskState s : TaskState.values()) {
            if (!s.perNode()) {
                dirs.add(store.root().resolve(s.directoryName()));
            } else if (worker != null) {
                Path own = store.root().resolve("nodes").resolve(nodeId).resolve(s.directoryName());
                if (Files.isDirectory(own)) {
                    dirs.add(own);
                }
            }
        }
        for (Path dir : dirs) {
            Path probe = dir.resolve(".migrate-write-probe-" + nodeId + "-" + System.nanoTime());
            try {
                Files.write(probe, new byte[] {1});
                Files.deleteIfExists(probe);
            } catch (IOException | SecurityException e) {
                return Optional.of("cannot create a file in " + dir + " (" + e + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * A snapshot of this node's health and readiness, for a host's health check or readiness
     * probe: leadership, task-root writability (probed now, a file created and deleted per
     * directory), each destination endpoint's state and last error (the mover's view, no request
     * sent), the publisher's state and this node's backlog. Cheap enough to call every few
     * seconds; safe from any thread; never throws for a closed node.
     *
     * @return the snapshot
     */
    public NodeHealth health() {
        NodeHealth.Lifecycle lifecycle = switch (this.lifecycle.state()) {
            case NEW -> NodeHealth.Lifecycle.NEW;
            case STARTED -> NodeHealth.Lifecycle.STARTED;
            case CLOSED -> NodeHealth.Lifecycle.CLOSED;
        };
        Optional<String> rootError;
        try {
            rootError = probeTaskRoot();
        } catch (RuntimeException e) {
            rootError = Optional.of(e.toString());
        }
        NodeHealth.PublisherHealth pub = null;
        long backlog = 0;
        if (worker != null) {
            ResultOutbox.Stats out = outbox.stats();
            ObservedPublisher.Last last = publisher.last();
            pub = new NodeHealth.PublisherHealth(
                    last.ok() ? NodeHealth.PublisherHealth.State.OK : NodeHealth.PublisherHealth.State.FAILING,
                    last.since(), out.published(), out.publishFailures(), last.code(), last.error(),
                    countQuietly(TaskState.DONE, null));
            backlog = countQuietly(TaskState.INBOX, nodeId) + countQuietly(TaskState.RUNNING, nodeId);
        }
        return new NodeHealth(clock.instant(), nodeId, roles, lifecycle,
                gate == null ? null : election.state(), gate != null && gate.isActive() ? gate.epoch() : 0,
                new NodeHealth.TaskRootHealth(store.root(), rootError.isEmpty(), rootError),
                mover == null ? List.of() : mover.endpointHealth(), pub, backlog);
    }

    /**
     * @return each destination endpoint's state and last error, as in {@link #health()} but
     *     without touching the task root (for a metrics scrape); empty for a manager-only node
     */
    public List<io.migrate.transport.EndpointHealth> endpointHealth() {
        return mover == null ? List.of() : mover.endpointHealth();
    }

    private long countQuietly(TaskState state, String node) {
        try {
            return store.count(state, node);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** @return this node's id */
    public String nodeId() {
        return nodeId;
    }

    /** @return this node's roles (immutable) */
    public Set<NodeRole> roles() {
        return roles;
    }

    /**
     * @return the submitter for new tasks (any node may submit; tasks are durable in
     *     {@code pending/} when {@code submit} returns; a node that leads dispatches them at
     *     once). {@link #submit} does the same and returns a handle with the result's future.
     */
    public TaskSubmitter submitter() {
        return submitter;
    }

    /**
     * Submits a first-attempt task and returns its handle: the id (the task is durable in
     * {@code pending/}) and a future of the request's final result, see {@link #result(String)}.
     * On a node that leads, dispatch runs at once instead of at the next tick.
     *
     * @param sourceRoot absolute source root every entry is relative to
     * @param files the files (at most the validator's limit, default 500)
     * @param attributes the host's free attributes (request id, batch id); may be empty
     * @return the handle
     * @throws io.migrate.task.InvalidTaskException if the task breaks a rule; nothing is stored
     * @throws io.migrate.error.MigrateException with {@code TASK_STORE_IO} if it cannot be stored
     * @throws IllegalStateException if the node is closed
     */
    public TaskHandle submit(String sourceRoot, List<FileEntry> files, Map<String, String> attributes) {
        requireOpen();
        return handle(submitter.submit(sourceRoot, files, attributes));
    }

    /**
     * Submits a task built by the host and returns its handle; see
     * {@link #submit(String, List, Map)}.
     *
     * @param task the task
     * @return the handle
     * @throws io.migrate.task.InvalidTaskException if the task breaks a rule; nothing is stored
     * @throws IllegalStateException if the node is closed
     */
    public TaskHandle submit(MigrationTask task) {
        requireOpen();
        return handle(submitter.submit(task));
    }

    private TaskHandle handle(String taskId) {
        return new TaskHandle(taskId, completions.watch(taskId));
    }

    /** On the submitting thread, the task durable in pending/: a leading node dispatches it now. */
    private void submitted() {
        if (dispatcher != null) {
            dispatcher.dispatchSoon();
        }
    }

    /**
     * The final result of a task and its retries, for a task submitted by any node of the cluster,
     * before or after a restart of this host: ask again with the id.
     *
     * <p>The result is learnt from the task root (the task's committed result once it is in
     * {@code done/}, {@code failed/} or {@code archive/}), never from the memory of the backend
     * that ran it, so any node sharing the task root can wait for any task. A result with a
     * retry task is not final: the future follows the retry (and its retries) and completes
     * with the last one's result, {@link TaskResult#isFinal()} true. Results this node's own
     * outbox publishes arrive at once; others within the result poll interval (default 1 s,
     * {@link Builder#resultPollInterval}).
     *
     * <p>The future completes on the thread {@code migrate-results-N} or on this node's outbox
     * thread: attach slow work with the {@code *Async} methods. It fails with a
     * {@link io.migrate.error.MigrateException} coded {@code TASK_NOT_FOUND} when no task with
     * this id is on the task root (never submitted, or archived longer ago than the retention),
     * and with {@code CANCELLED} when this node closes first. Each call returns a new future;
     * cancelling it only stops that wait.
     *
     * @param taskId a task id: the one {@code submit} returned, or any retry's
     * @return the future
     */
    public CompletableFuture<TaskResult> result(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        return completions.watch(taskId);
    }

    /**
     * Registers an in-process listener beside the {@link ResultPublisher}: it is told of every
     * result this node's outbox publishes (done and failed tasks), right after the publisher
     * accepted it, at least once per result id. Several listeners may be registered; they are
     * called one after another on the outbox thread ({@code migrate-outbox-N}), in registration
     * order; one that throws is logged and skipped, the result still counts as published. Results
     * published by other nodes reach those nodes' listeners: to wait for one task wherever it
     * runs, use {@link #result(String)}.
     *
     * @param listener the listener
     * @return removes it again
     * @throws IllegalStateException if this node has no backend role (it publishes no results)
     */
    public ResultListener.Registration onResult(ResultListener listener) {
        if (outbox == null) {
            throw new IllegalStateException("node " + nodeId + " has no backend role and publishes no results;"
                    + " use result(taskId) to wait for a task");
        }
        return outbox.addListener(listener);
    }

    private void requireOpen() {
        lifecycle.requireOpen();
    }

    /** @return the status view over the whole task root */
    public TaskStatusView status() {
        return status;
    }

    /**
     * The task store on the task root, as the {@link TaskStore} interface: its directory layout is
     * no API (issue 17), so a host sees what any store offers.
     *
     * @return the task store
     */
    public TaskStore store() {
        return store;
    }

    /** @return the task root directory this node works on (absolute, normalised) */
    public Path taskRoot() {
        return store.root();
    }

    /** @return the leader election this node takes part in */
    public LeaderElection election() {
        return election;
    }

    /** @return the membership this node reports to and observes */
    public Membership membership() {
        return membership;
    }

    /**
     * Wakes the worker to look at its inbox now: a {@link Notifier} for nodes in the same JVM
     * calls this. No effect on a node without the backend role.
     */
    public void wakeUp() {
        if (worker != null) {
            worker.wakeUp();
        }
    }

    LeaderGate gate() {
        return gate;
    }

    TaskDispatcher dispatcher() {
        return dispatcher;
    }

    TaskReclaimer reclaimer() {
        return reclaimer;
    }

    Worker worker() {
        return worker;
    }

    /** @return a snapshot of the counters */
    public NodeMetrics metrics() {
        ResultOutbox.Stats out = outbox == null ? null : outbox.stats();
        return NodeMetrics.builder()
                .leader(gate != null && gate.isActive())
                .epoch(gate == null ? 0 : gate.epoch())
                .dispatched(dispatcher == null ? 0 : dispatcher.dispatched())
                .reclaimed(reclaimer == null ? 0 : reclaimer.reclaimed())
                .rebalanced(reclaimer == null ? 0 : reclaimer.rebalanced())
                .lostRaces((dispatcher == null ? 0 : dispatcher.lostRaces())
                        + (reclaimer == null ? 0 : reclaimer.lostRaces())
                        + (out == null ? 0 : out.lostRaces()))
                .fencings(gate == null ? 0 : gate.fencings())
                .tasksCompleted(worker == null ? 0 : worker.completed())
                .tasksRejected(worker == null ? 0 : worker.rejected())
                .lostOwnership(worker == null ? 0 : worker.lostOwnership())
                .bytesSent(mover == null ? 0 : mover.bytesSent())
                .filesDone(mover == null ? 0 : mover.filesDone())
                .bufferHighWaterBytes(mover == null ? 0 : mover.bufferHighWaterBytes())
                .bufferCapacityBytes(mover == null ? 0 : mover.bufferCapacityBytes())
                .resultsPublished(out == null ? 0 : out.published())
                .publishFailures(out == null ? 0 : out.publishFailures())
                .build();
    }

    /**
     * Stops everything in the order described on the class, each part bounded in time. Idempotent.
     */
    @Override
    public void close() {
        if (!lifecycle.close()) {
            return;
        }
        Deque<AutoCloseable> order = new ArrayDeque<>();
        // Leader side first: no move may happen after this node stops claiming to lead.
        addIfPresent(order, reclaimer);
        addIfPresent(order, dispatcher);
        addIfPresent(order, gate);
        addIfPresent(order, worker);
        addIfPresent(order, outbox);
        order.add(completions);
        addIfPresent(order, mover);
        addIfPresent(order, transport);
        addIfPresent(order, publisher);
        order.add(election);
        order.add(membership);
        RuntimeException first = null;
        for (AutoCloseable c : order) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("node {}: closing {} failed", nodeId, c, e);
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                }
            }
        }
        LOG.info("node {} closed", nodeId);
        if (first != null) {
            throw first;
        }
    }

    private static void addIfPresent(Deque<AutoCloseable> order, AutoCloseable c) {
        if (c != null) {
            order.add(c);
        }
    }

    @Override
    public String toString() {
        return "MigrationNode[" + nodeId + " " + roles + " " + store.root() + "]";
    }

    /** Builds a {@link MigrationNode}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private String nodeId;
        private Path taskRoot;
        private Set<NodeRole> roles = EnumSet.allOf(NodeRole.class);
        private LeaderElection election;
        private Membership membership;
        private Transport transport;
        private ResultPublisher publisher;
        private MoverConfig moverConfig;
        private MoveListener moveListener = MoveListener.NONE;
        private WorkerConfig workerConfig = WorkerConfig.defaults();
        private DispatchConfig dispatchConfig = DispatchConfig.defaults();
        private Notifier notifier = Notifier.NONE;
        private Duration outboxPollInterval = Duration.ofSeconds(1);
        private Duration archiveRetention = Duration.ofDays(7);
        private Duration outboxTakeoverAfter = Duration.ofSeconds(30);
        private Duration resultPollInterval = Duration.ofSeconds(1);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * @param v this node's id: letters, digits, {@code . _ -}; unique in the cluster (required)
         * @return this
         */
        public Builder nodeId(String v) {
            this.nodeId = v;
            return this;
        }

        /**
         * @param v the shared task root (required)
         * @return this
         */
        public Builder taskRoot(Path v) {
            this.taskRoot = v;
            return this;
        }

        /**
         * @param first a role
         * @param more more roles
         * @return this; default both roles
         */
        public Builder roles(NodeRole first, NodeRole... more) {
            this.roles = EnumSet.of(first, more);
            return this;
        }

        /**
         * @param v the roles (at least one)
         * @return this
         */
        public Builder roles(Set<NodeRole> v) {
            this.roles = v.isEmpty() ? EnumSet.noneOf(NodeRole.class) : EnumSet.copyOf(v);
            return this;
        }

        /**
         * @param electionValue the leader election (required); see {@code io.migrate.ha.HighAvailability}
         * @param membershipValue the membership (required)
         * @return this
         */
        public Builder highAvailability(LeaderElection electionValue, Membership membershipValue) {
            this.election = electionValue;
            this.membership = membershipValue;
            return this;
        }

        /**
         * @param v where files go (required for backends)
         * @return this
         */
        public Builder transport(Transport v) {
            this.transport = v;
            return this;
        }

        /**
         * @param v where results go; default {@link LoggingResultPublisher}
         * @return this
         */
        public Builder publisher(ResultPublisher v) {
            this.publisher = v;
            return this;
        }

        /**
         * @param v mover settings; the default allows no source root, so set at least one
         * @return this
         */
        public Builder moverConfig(MoverConfig v) {
            this.moverConfig = v;
            return this;
        }

        /**
         * @param v told of the mover's progress (called on mover threads; return quickly)
         * @return this
         */
        public Builder moveListener(MoveListener v) {
            this.moveListener = v;
            return this;
        }

        /**
         * @param v worker settings; default {@link WorkerConfig#defaults()}
         * @return this
         */
        public Builder workerConfig(WorkerConfig v) {
            this.workerConfig = v;
            return this;
        }

        /**
         * @param v dispatcher and reclaimer settings; default {@link DispatchConfig#defaults()}
         * @return this
         */
        public Builder dispatchConfig(DispatchConfig v) {
            this.dispatchConfig = v;
            return this;
        }

        /**
         * @param v tells nodes of new inbox tasks; default none (nodes poll)
         * @return this
         */
        public Builder notifier(Notifier v) {
            this.notifier = v;
            return this;
        }

        /**
         * @param v how often the outbox looks at {@code done/} when idle; default 1 s
         * @return this
         */
        public Builder outboxPollInterval(Duration v) {
            this.outboxPollInterval = v;
            return this;
        }

        /**
         * @param v how long published tasks stay in {@code archive/}; default 7 days
         * @return this
         */
        public Builder archiveRetention(Duration v) {
            this.archiveRetention = v;
            return this;
        }

        /**
         * @param v how long another node's result is left to that node's outbox before this node
         *     publishes it (results of dead nodes still go out); default 30 s
         * @return this
         */
        public Builder outboxTakeoverAfter(Duration v) {
            this.outboxTakeoverAfter = v;
            return this;
        }

        /**
         * @param v how often the futures of {@link MigrationNode#submit} and
         *     {@link MigrationNode#result(String)} look for results on the task root (one
         *     look-up per waiting task); default 1 s. Results this node publishes arrive at once.
         * @return this
         */
        public Builder resultPollInterval(Duration v) {
            this.resultPollInterval = v;
            return this;
        }

        /**
         * @param v wall clock; default UTC system clock
         * @return this
         */
        public Builder clock(Clock v) {
            this.clock = v;
            return this;
        }

        /**
         * @return the node, not started
         * @throws ConfigurationException naming the missing or invalid setting
         */
        public MigrationNode build() {
            Require.nonBlank("node.id", nodeId);
            if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new ConfigurationException("node.id",
                        "must be 1-64 letters, digits, '.', '_' or '-', was '" + nodeId + "'");
            }
            Require.nonNull("task.root", taskRoot);
            if (roles.isEmpty()) {
                throw new ConfigurationException("node.roles", "needs at least one of " + EnumSet.allOf(NodeRole.class));
            }
            Require.nonNull("ha (election)", election);
            Require.nonNull("ha (membership)", membership);
            if (roles.contains(NodeRole.BACKEND)) {
                Require.nonNull("transport", transport);
                Require.nonNull("mover", moverConfig);
            }
            if (publisher == null) {
                publisher = new LoggingResultPublisher();
            }
            Objects.requireNonNull(moveListener, "moveListener");
            Require.nonNull("dispatch", dispatchConfig);
            Require.nonNull("worker", workerConfig);
            Require.positive("outbox.pollInterval", outboxPollInterval);
            Require.positive("outbox.archiveRetention", archiveRetention);
            Require.nonNull("outbox.takeoverAfter", outboxTakeoverAfter);
            Require.positive("results.pollInterval", resultPollInterval);
            Require.nonNull("clock", clock);
            Require.nonNull("notifier", notifier);
            return new MigrationNode(this);
        }
    }
}
