package io.migrate.task;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A task file as read from the store: the task, its appended history and, for tasks in
 * {@code done/} and {@code archive/}, the committed result.
 *
 * @param ref where it was read
 * @param task the task document
 * @param history appended events, oldest first (immutable)
 * @param result the committed result, present only in {@link TaskState#DONE},
 *     {@link TaskState#ARCHIVED} and, for rejections, {@link TaskState#FAILED}
 */
public record StoredTask(TaskRef ref, MigrationTask task, List<TaskEvent> history, Optional<TaskResult> result) {
    /** Copies the history. */
    public StoredTask {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(task, "task");
        history = List.copyOf(history);
        Objects.requireNonNull(result, "result");
    }

    /**
     * @param type an event type
     * @return how many events of that type the history holds
     */
    public long count(TaskEvent.Type type) {
        return history.stream().filter(e -> e.type() == type).count();
    }
}
