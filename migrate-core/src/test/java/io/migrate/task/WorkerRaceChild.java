package io.migrate.task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The worker side of {@link CephFsIT}'s worker-versus-reclaimer race, in its own JVM on its own
 * mount: claims every task in its inbox and completes it at once, while the leader in the other
 * JVM takes tasks back. Prints {@code COMMITTED <id> <run>} for each complete that won, {@code LOST
 * <id> <run>} for each that lost, and {@code SLOW <count> <longest ms>} at the end.
 *
 * <p>Arguments: task root, node, stop file (exits once it exists and the inbox is empty).
 */
public final class WorkerRaceChild {
    private WorkerRaceChild() {
    }

    /**
     * @param args root, node, stop file
     */
    public static void main(String[] args) {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(Path.of(args[0])).build();
        String node = args[1];
        Path stop = Path.of(args[2]);
        System.out.println("READY");
        System.out.flush();
        int run = 0;
        while (true) {
            List<TaskRef> inbox;
            try (Stream<TaskRef> s = store.list(TaskState.INBOX, node)) {
                inbox = s.collect(Collectors.toList());
            }
            if (inbox.isEmpty() && Files.exists(stop)) {
                break;
            }
            for (TaskRef ref : inbox) {
                if (store.move(ref, TaskState.RUNNING, node) != MoveOutcome.MOVED) {
                    continue;
                }
                TaskRef running = new TaskRef(ref.taskId(), TaskState.RUNNING, node, ref.fileName());
                MigrationTask task = store.readTask(running).orElse(null); // as the worker does: no side files
                if (task == null) {
                    continue; // taken back between the claim and the read
                }
                String runId = node + "-" + (++run);
                MoveOutcome o = store.complete(running, TestTasks.result(task, runId, node));
                System.out.println((o == MoveOutcome.MOVED ? "COMMITTED " : "LOST ") + ref.taskId() + " " + runId);
            }
            System.out.flush();
        }
        System.out.println("SLOW " + store.slowCalls().count() + " " + store.slowCalls().longest().toMillis());
        System.out.println("DONE");
        System.out.flush();
    }
}
