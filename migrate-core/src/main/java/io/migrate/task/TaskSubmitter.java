package io.migrate.task;

import io.migrate.internal.Require;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The host's entry point for new work: turns a batch of files into a task and makes it durable
 * in {@code pending/}.
 *
 * <p>{@code submit} returns the task id only once the task survives a crash: with
 * {@link DirectoryTaskStore} it is written to {@code incoming/.<id>.tmp}, flushed to disk,
 * renamed into {@code pending/} and the directory flushed. A submitter killed at any point
 * leaves either a complete task in {@code pending/} or a temporary file that
 * {@link #cleanStaleIncoming()} removes later; never a torn task. The storage platform retries
 * forever, so a batch whose submit did not return may arrive again as a new task.
 *
 * <pre>{@code
 * TaskSubmitter submitter = TaskSubmitter.builder().store(store).build();
 * String id = submitter.submit("/exports/projects", List.of(new FileEntry("a/b.dat", "projects/a/b.dat")),
 *         Map.of("request", requestId));
 * }</pre>
 *
 * <p>Thread-safe: any number of threads (and processes) may submit at once.
 */
public final class TaskSubmitter {
    /** Default age after which a temporary file in {@code incoming/} is considered abandoned. */
    public static final Duration DEFAULT_STALE_INCOMING_AFTER = Duration.ofHours(1);

    private final TaskStore store;
    private final Clock clock;
    private final Duration staleIncomingAfter;
    private final Runnable afterSubmit;

    private TaskSubmitter(Builder b) {
        this.store = b.store;
        this.clock = b.clock;
        this.staleIncomingAfter = b.staleIncomingAfter;
        this.afterSubmit = b.afterSubmit == null ? () -> { } : b.afterSubmit;
    }

    /** @return a builder; {@link Builder#store(TaskStore)} is required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a first-attempt task from the files and submits it.
     *
     * @param sourceRoot absolute source root every entry is relative to
     * @param files the files (at most the validator's limit, default 500)
     * @param attributes the host's free attributes (request id, batch id); may be empty
     * @return the new task's id, once the task is durable in {@code pending/}
     * @throws InvalidTaskException if the task breaks a rule; nothing is stored
     * @throws io.migrate.error.MigrateException with {@code TASK_STORE_IO} if it cannot be stored;
     *     the task is then not acknowledged (it may or may not be in {@code pending/})
     */
    public String submit(String sourceRoot, List<FileEntry> files, Map<String, String> attributes) {
        Objects.requireNonNull(sourceRoot, "sourceRoot");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(attributes, "attributes");
        MigrationTask task = MigrationTask.builder()
                .createdAt(clock.instant())
                .sourceRoot(sourceRoot)
                .files(files)
                .attributes(attributes)
                .build();
        return submit(task);
    }

    /**
     * Submits a task built by the caller (for example a retry task with a later eligibility
     * time in its id).
     *
     * @param task the task
     * @return its id, once the task is durable in {@code pending/}
     * @throws InvalidTaskException if the task breaks a rule; nothing is stored
     * @throws io.migrate.error.MigrateException with {@code TASK_ID_EXISTS} if a task with that id
     *     already exists in the task root (in any state; nothing is stored), with
     *     {@code TASK_STORE_IO} if it cannot be stored
     */
    public String submit(MigrationTask task) {
        String id = store.submit(Objects.requireNonNull(task, "task")).taskId();
        afterSubmit.run();
        return id;
    }

    /**
     * Removes temporary files left in {@code incoming/} by submitters that crashed mid-write,
     * older than {@link Builder#staleIncomingAfter(Duration)}; a file still being written is
     * younger and never touched.
     *
     * @return how many were removed
     */
    public int cleanStaleIncoming() {
        return store.cleanStaleIncoming(staleIncomingAfter);
    }

    /** Builds a {@link TaskSubmitter}. Not thread-safe. */
    public static final class Builder {
        private TaskStore store;
        private Clock clock = Clock.systemUTC();
        private Duration staleIncomingAfter = DEFAULT_STALE_INCOMING_AFTER;
        private Runnable afterSubmit;

        private Builder() {
        }

        /**
         * @param v called on the submitting thread once a task is durable in {@code pending/},
         *     before {@code submit} returns (a node that leads dispatches at once); must not
         *     block; default none
         * @return this
         */
        public Builder afterSubmit(Runnable v) {
            this.afterSubmit = v;
            return this;
        }

        /**
         * @param store where tasks go (required)
         * @return this
         */
        public Builder store(TaskStore store) {
            this.store = store;
            return this;
        }

        /**
         * @param clock creation time of new tasks, and so the order of their ids (default UTC
         *     system clock)
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @param age how old a temporary file in {@code incoming/} must be to be removed as
         *     abandoned, positive (default 1 hour); keep it far above the longest submit and any
         *     clock difference between hosts
         * @return this
         */
        public Builder staleIncomingAfter(Duration age) {
            this.staleIncomingAfter = age;
            return this;
        }

        /**
         * @return the submitter
         * @throws io.migrate.error.ConfigurationException if a setting is missing or out of range
         */
        public TaskSubmitter build() {
            Require.nonNull("submitter.store", store);
            Require.nonNull("submitter.clock", clock);
            Require.positive("submitter.staleIncomingAfter", staleIncomingAfter);
            return new TaskSubmitter(this);
        }
    }
}
