package io.migrate.benchmarks;

import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The system calls of the task store's transitions, counted from outside with {@code strace}:
 * submits 200 tasks, then takes {@code n} of them through one phase. Run it once with {@code n = 0}
 * and once with {@code n = 200} under {@code strace -f -c} and divide the difference by 200.
 *
 * <pre>
 * for n in 0 200; do rm -rf /tmp/syscalls-root
 *   strace -f -c -o /tmp/syscalls-$n.txt java -cp benchmarks/target/benchmarks.jar \
 *     io.migrate.benchmarks.StoreSyscalls /tmp/syscalls-root $n move; done
 * </pre>
 *
 * <p>Phases: {@code move} (pending → a node's inbox: the dispatcher's move), {@code complete}
 * (that, then the claim to running/, a read, and {@code complete}: a worker's whole task).
 */
public final class StoreSyscalls {
    private StoreSyscalls() {
    }

    /**
     * @param args task root (created), n, phase
     */
    public static void main(String[] args) {
        Path root = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        boolean complete = args[2].equals("complete");
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        store.registerNode("n1");
        List<TaskRef> refs = new ArrayList<>();
        for (int i = 0; i < Math.max(n, 200); i++) {
            refs.add(store.submit(MigrationTask.builder().sourceRoot("/s").addFile("f" + i, "f" + i).build()));
        }
        for (int i = 0; i < n; i++) {
            TaskRef p = refs.get(i);
            store.move(p, TaskState.INBOX, "n1");
            if (complete) {
                store.move(new TaskRef(p.taskId(), TaskState.INBOX, "n1", p.fileName()), TaskState.RUNNING, "n1");
                TaskRef run = new TaskRef(p.taskId(), TaskState.RUNNING, "n1", p.fileName());
                MigrationTask t = store.read(run).orElseThrow().task();
                Instant now = Instant.now();
                store.complete(run, new TaskResult(t.id(), 1, "run-" + i, "n1", now, now, TaskOutcome.SUCCEEDED, null,
                        null, List.of(), null));
            }
        }
    }
}
