package io.migrate.task;

import io.migrate.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The result of one attempt of one task, as written into the task file and published. Every task
 * that ends has exactly one committed result: a task that finished in {@code done/}, and a task
 * moved to {@code failed/} for any reason (then {@link TaskOutcome#FAILED} or
 * {@link TaskOutcome#REJECTED} with the task-level {@link #code()}).
 *
 * <p>Lineage: a result whose {@link #retryTaskId()} is set is not {@linkplain #isFinal() final},
 * the retry task will have its own result; the request (all tasks with one
 * {@code MigrationTask.rootTaskId()}) is over when a final result arrives.
 *
 * @param taskId the task
 * @param attempt the attempt; with {@code taskId} the stable result id
 * @param runId unique per execution (a re-run after a crash has another); tells a committed
 *     result apart from a zombie's stray one
 * @param node the node that executed it
 * @param startedAt when execution started
 * @param finishedAt when it finished
 * @param outcome overall outcome
 * @param code the task-level reason: why it was {@link TaskOutcome#REJECTED} (invalid task,
 *     unreadable task file) or given up ({@link TaskOutcome#FAILED} with
 *     {@code MAX_ATTEMPTS_EXCEEDED}, {@code TOO_MANY_REASSIGNMENTS}); null for a task that ran
 * @param message detail for {@code code}, or null
 * @param files per-file results, in the task's order (empty when rejected; for a task given up
 *     without running, every file failed with the task-level code)
 * @param retryTaskId the retry task created for failed retryable files, or null
 */
public record TaskResult(
        String taskId,
        int attempt,
        String runId,
        String node,
        Instant startedAt,
        Instant finishedAt,
        TaskOutcome outcome,
        ErrorCode code,
        String message,
        List<FileResult> files,
        String retryTaskId) {

    /** Copies the file list. */
    public TaskResult {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(outcome, "outcome");
        files = List.copyOf(files);
    }

    /** @return {@code taskId#attempt}, the key consumers dedupe on */
    public String resultId() {
        return taskId + "#" + attempt;
    }

    /**
     * @return whether no further attempt follows this one: true unless a retry task was created
     *     for failed files ({@link #retryTaskId()} set)
     */
    public boolean isFinal() {
        return retryTaskId == null;
    }

    /**
     * @return how many files ended with each error code, in code order (empty when every file
     *     succeeded or the task was rejected)
     */
    public Map<ErrorCode, Long> countsByCode() {
        Map<ErrorCode, Long> counts = new EnumMap<>(ErrorCode.class);
        for (FileResult f : files) {
            if (!f.succeeded() && f.code() != null) {
                counts.merge(f.code(), 1L, Long::sum);
            }
        }
        return Collections.unmodifiableMap(counts);
    }

    /**
     * The result of a task that ends without running (or without finishing): rejected as
     * invalid, or given up by the worker or the leader. It is written into the task when it
     * moves to {@code failed/} and published like any other result.
     *
     * @param taskId the task
     * @param attempt the task's attempt, 1 when it cannot be read
     * @param entries the task's files (each reported failed with {@code code}), or an empty list
     *     when the task is rejected or unreadable
     * @param node the node that gave it up, or null for the leader
     * @param at when
     * @param outcome {@link TaskOutcome#REJECTED} or {@link TaskOutcome#FAILED}
     * @param code the task-level reason
     * @param message detail, the raw reason for an unreadable file
     * @return the result, with a fresh run id
     */
    public static TaskResult ended(String taskId, int attempt, List<FileEntry> entries, String node, Instant at,
            TaskOutcome outcome, ErrorCode code, String message) {
        Objects.requireNonNull(code, "code");
        if (outcome != TaskOutcome.REJECTED && outcome != TaskOutcome.FAILED) {
            throw new IllegalArgumentException("a task that ends without running is REJECTED or FAILED, not " + outcome);
        }
        List<FileResult> files = new ArrayList<>(entries.size());
        for (FileEntry e : entries) {
            files.add(new FileResult(e.sourcePath(), e.targetKey(), FileOutcome.FAILED, code, message, 0, null,
                    Duration.ZERO, 0));
        }
        return new TaskResult(taskId, Math.max(1, attempt), UUID.randomUUID().toString(), node, at, at, outcome,
                code, message, files, null);
    }

    /**
     * The outcome of a task that ends without running.
     *
     * @param code the task-level reason
     * @param taskReadable whether the task file could be read
     * @return {@link TaskOutcome#REJECTED} for an unreadable or invalid task (nothing was
     *     attempted), else {@link TaskOutcome#FAILED} (given up: attempts or reassignments ran out)
     */
    public static TaskOutcome endedOutcome(ErrorCode code, boolean taskReadable) {
        return !taskReadable || INVALID_TASK.contains(code) ? TaskOutcome.REJECTED : TaskOutcome.FAILED;
    }

    /** Codes of a task document that breaks a rule ({@code InvalidTaskException}). */
    private static final Set<ErrorCode> INVALID_TASK = EnumSet.of(ErrorCode.INVALID_JSON, ErrorCode.MISSING_FIELD,
            ErrorCode.INVALID_FIELD, ErrorCode.UNSUPPORTED_SCHEMA_VERSION, ErrorCode.TOO_MANY_FILES,
            ErrorCode.TASK_FILE_TOO_LARGE, ErrorCode.ABSOLUTE_PATH, ErrorCode.PATH_TRAVERSAL, ErrorCode.EMPTY_NAME,
            ErrorCode.ILLEGAL_CHARACTER, ErrorCode.INVALID_ENCODING, ErrorCode.INVALID_TARGET_KEY,
            ErrorCode.DUPLICATE_ENTRY);

    /** @return total bytes of succeeded files */
    public long bytes() {
        return files.stream().filter(FileResult::succeeded).mapToLong(FileResult::bytes).sum();
    }

    /**
     * @param files per-file results
     * @return the overall outcome they add up to
     */
    public static TaskOutcome outcomeOf(List<FileResult> files) {
        long failed = files.stream().filter(f -> !f.succeeded()).count();
        if (failed == 0) {
            return TaskOutcome.SUCCEEDED;
        }
        return failed == files.size() ? TaskOutcome.FAILED : TaskOutcome.PARTIALLY_FAILED;
    }
}
