package io.migrate.dispatch;

import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Test tasks with ids in a known order. */
public final class Tasks {
    private Tasks() {
    }

    /**
     * @param eligibleAt eligibility (and creation) time, which orders ids
     * @param files number of files
     * @return a task whose files no other task names (so the dispatcher sees no duplicates)
     */
    public static MigrationTask task(Instant eligibleAt, int files) {
        String id = TaskIds.newId(eligibleAt);
        MigrationTask.Builder b = MigrationTask.builder().id(id).createdAt(eligibleAt).sourceRoot("/src");
        for (int i = 0; i < files; i++) {
            b.addFile("d/" + id + "/f" + i, "k/" + id + "/f" + i);
        }
        return b.build();
    }

    /**
     * The platform's retry of a task: the same files under a new id.
     *
     * @param original the task re-submitted
     * @param eligibleAt eligibility (and creation) time of the duplicate
     * @return the duplicate
     */
    public static MigrationTask duplicate(MigrationTask original, Instant eligibleAt) {
        return original.toBuilder().id(TaskIds.newId(eligibleAt)).createdAt(eligibleAt).build();
    }

    /**
     * Submits tasks one millisecond apart starting at {@code first}.
     *
     * @param store the store
     * @param first eligibility of the first
     * @param count how many
     * @return their ids, in name order
     */
    public static List<String> submit(TaskStore store, Instant first, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(store.submit(task(first.plusMillis(i), 1)).taskId());
        }
        return ids;
    }

    /**
     * @param store the store
     * @param state a state
     * @param node node for per-node states
     * @return ids there, in name order
     */
    public static List<String> ids(TaskStore store, TaskState state, String node) {
        try (Stream<TaskRef> s = node == null ? store.list(state) : store.list(state, node)) {
            return s.map(TaskRef::taskId).collect(Collectors.toList());
        }
    }
}
