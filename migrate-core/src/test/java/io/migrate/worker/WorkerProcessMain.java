package io.migrate.worker;

import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.TaskResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A backend node in its own JVM for {@link WorkerProcessIT}: a {@link Worker} on the shared task
 * root with heartbeat-file membership and an executor that records each execution start in
 * {@code <taskRoot>/executions/} and works {@code millisPerFile} per file.
 *
 * <p>Arguments: taskRoot nodeId millisPerFile. Runs until killed.
 */
public final class WorkerProcessMain {
    private WorkerProcessMain() {
    }

    /**
     * @param args taskRoot nodeId millisPerFile
     * @throws Exception on any failure (the test sees the process die)
     */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String node = args[1];
        long millisPerFile = Long.parseLong(args[2]);
        Path executions = Files.createDirectories(root.resolve("executions"));
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        HeartbeatFileMembership membership = HeartbeatFileMembership.builder().nodeId(node).taskRoot(root)
                .heartbeatInterval(Duration.ofMillis(200)).nodeLease(Duration.ofSeconds(2)).build();
        membership.start();
        TaskExecutor executor = (task, ctx) -> {
            try {
                Files.writeString(executions.resolve(task.id() + "." + node + "." + ctx.runId()), "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<FileResult> files = new ArrayList<>();
            int i = 0;
            for (FileEntry f : task.files()) {
                // simulated transfer time: this node's work, not a synchronisation
                Thread.sleep(millisPerFile);
                ctx.progress(++i, i);
                if (ctx.isCancelled()) {
                    break;
                }
                files.add(new FileResult(f.sourcePath(), f.targetKey(), FileOutcome.COPIED, null, null, 1, null,
                        Duration.ofMillis(millisPerFile), 1));
            }
            return new TaskResult(task.id(), task.attempt(), ctx.runId(), node, null, null,
                    TaskResult.outcomeOf(files), null, null, files, null);
        };
        Worker worker = Worker.builder().node(node).store(store).taskExecutor(executor).membership(membership)
                .config(WorkerConfig.builder().concurrency(2).pollInterval(Duration.ofMillis(100))
                        .heartbeatInterval(Duration.ofMillis(200)).leaseRenewInterval(Duration.ofMillis(500)).build())
                .build();
        worker.start();
        System.out.println("READY " + node);
        System.out.flush();
        new CountDownLatch(1).await(); // until SIGKILL
    }
}
