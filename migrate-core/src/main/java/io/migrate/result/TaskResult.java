package io.migrate.result;

import io.migrate.error.ErrorCode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of one attempt of one task, as written into the task file and published.
 *
 * @param taskId the task
 * @param attempt the attempt; with {@code taskId} the stable result id
 * @param runId unique per execution (a re-run after a crash has another); tells a committed
 *     result apart from a zombie's stray one
 * @param node the node that executed it
 * @param startedAt when execution started
 * @param finishedAt when it finished
 * @param outcome overall outcome
 * @param code for {@link TaskOutcome#REJECTED}, why; otherwise null
 * @param message detail for {@code code}, or null
 * @param files per-file results, in the task's order (empty when rejected)
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
