package io.migrate.task;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable migration task: a batch of files to move from one source root.
 *
 * <p>On disk a task is a file whose name starts with its {@linkplain TaskIds id}, so names sort
 * by the time the task becomes eligible. The file holds the task as its first JSON document,
 * followed by appended {@link TaskEvent}s and at most one committed {@link io.migrate.task.TaskResult}
 * (see {@code docs/task-root.md}). This class is the first document only.
 *
 * <p>Instances are created with {@link #builder()}; a built task is not yet validated against
 * limits (file count, paths): {@link TaskValidator} does that, so that the store can report a
 * malformed task with a precise code.
 */
public final class MigrationTask {
    /** The schema version this release writes and reads. */
    public static final int SCHEMA_VERSION = 1;

    private final String id;
    private final Instant createdAt;
    private final int attempt;
    private final String sourceRoot;
    private final List<FileEntry> files;
    private final Map<String, String> attributes;
    private final String parentTaskId;
    private final String rootTaskId;

    private MigrationTask(Builder b) {
        this.id = Objects.requireNonNull(b.id, "id");
        this.createdAt = Objects.requireNonNull(b.createdAt, "createdAt");
        this.attempt = b.attempt;
        this.sourceRoot = Objects.requireNonNull(b.sourceRoot, "sourceRoot");
        this.files = List.copyOf(b.files);
        this.attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.attributes));
        this.parentTaskId = b.parentTaskId;
        this.rootTaskId = b.rootTaskId;
    }

    /** @return a builder with a fresh id and {@code attempt = 1} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised from this task */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.createdAt = createdAt;
        b.attempt = attempt;
        b.sourceRoot = sourceRoot;
        b.files.addAll(files);
        b.attributes.putAll(attributes);
        b.parentTaskId = parentTaskId;
        b.rootTaskId = rootTaskId;
        return b;
    }

    /** @return the id; sorts by eligibility time */
    public String id() {
        return id;
    }

    /** @return when the task was created */
    public Instant createdAt() {
        return createdAt;
    }

    /** @return 1 for a first attempt; retries of failed files count up */
    public int attempt() {
        return attempt;
    }

    /** @return the absolute source root every {@link FileEntry#sourcePath()} is relative to */
    public String sourceRoot() {
        return sourceRoot;
    }

    /** @return the files, in submission order (immutable) */
    public List<FileEntry> files() {
        return files;
    }

    /** @return the host's free attributes such as request id and batch id (immutable) */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** @return the task this one retries, for retry tasks */
    public Optional<String> parentTaskId() {
        return Optional.ofNullable(parentTaskId);
    }

    /**
     * The first task of the request this task belongs to: a retry carries the id of the task the
     * host submitted, however many retries lie in between. A host closes a request when the
     * result of a task with this root says {@link io.migrate.task.TaskResult#isFinal() final}.
     *
     * @return the root task's id; this task's own id for a task the host submitted (and for
     *     retries written before this field existed, the parent's id)
     */
    public String rootTaskId() {
        if (rootTaskId != null) {
            return rootTaskId;
        }
        return parentTaskId != null ? parentTaskId : id;
    }

    /** @return the stable result id: task id and attempt, the key consumers dedupe on */
    public String resultId() {
        return id + "#" + attempt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationTask t
                && id.equals(t.id)
                && createdAt.equals(t.createdAt)
                && attempt == t.attempt
                && sourceRoot.equals(t.sourceRoot)
                && files.equals(t.files)
                && attributes.equals(t.attributes)
                && Objects.equals(parentTaskId, t.parentTaskId)
                && rootTaskId().equals(t.rootTaskId());
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, attempt);
    }

    @Override
    public String toString() {
        return "MigrationTask[" + id + " attempt " + attempt + ", " + files.size() + " files]";
    }

    /** Builds a {@link MigrationTask}. Not thread-safe. */
    public static final class Builder {
        private String id;
        private Instant createdAt;
        private int attempt = 1;
        private String sourceRoot;
        private final List<FileEntry> files = new ArrayList<>();
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private String parentTaskId;
        private String rootTaskId;

        private Builder() {
        }

        /**
         * @param id the task id; by default one is made from {@link #createdAt(Instant)} by
         *     {@link TaskIds#newId(Instant)}
         * @return this
         */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /**
         * @param createdAt creation time; defaults to now
         * @return this
         */
        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        /**
         * @param attempt 1-based attempt number
         * @return this
         */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        /**
         * @param sourceRoot absolute path of the source root
         * @return this
         */
        public Builder sourceRoot(String sourceRoot) {
            this.sourceRoot = sourceRoot;
            return this;
        }

        /**
         * @param sourcePath relative source path
         * @param targetKey destination key
         * @return this
         */
        public Builder addFile(String sourcePath, String targetKey) {
            files.add(new FileEntry(sourcePath, targetKey));
            return this;
        }

        /**
         * @param entries files to add
         * @return this
         */
        public Builder files(List<FileEntry> entries) {
            files.clear();
            files.addAll(entries);
            return this;
        }

        /**
         * @param key attribute name
         * @param value attribute value
         * @return this
         */
        public Builder attribute(String key, String value) {
            attributes.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /**
         * @param values attributes replacing the current ones
         * @return this
         */
        public Builder attributes(Map<String, String> values) {
            attributes.clear();
            attributes.putAll(values);
            return this;
        }

        /**
         * @param parentTaskId the task this one retries
         * @return this
         */
        public Builder parentTaskId(String parentTaskId) {
            this.parentTaskId = parentTaskId;
            return this;
        }

        /**
         * @param rootTaskId the first task of the request this task retries (null for a task the
         *     host submits: it is its own root)
         * @return this
         */
        public Builder rootTaskId(String rootTaskId) {
            this.rootTaskId = rootTaskId;
            return this;
        }

        /** @return the task; fills in a default creation time and id */
        public MigrationTask build() {
            if (createdAt == null) {
                createdAt = Instant.now();
            }
            if (id == null) {
                id = TaskIds.newId(createdAt);
            }
            return new MigrationTask(this);
        }
    }
}
