package io.migrate.testing;

import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.move.MoverConfig;
import io.migrate.move.MoverTaskExecutor;
import io.migrate.move.ParallelFileMover;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskState;
import io.migrate.transport.Transport;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The body of a backend node in its own JVM for the part-resume process tests (POSIX and S3): a
 * {@link Worker} on the shared task root whose executor is a {@link ParallelFileMover} over the
 * given transport, short leases and heartbeats. Once a task is in {@code done/} it prints
 * {@code RESUME-STATS node=.. written=.. resumed=.. ledgerWrites=.. ledgerBytes=.. ledgerNanos=..}
 * (the test SIGKILLs the node that is to die before that). The caller owns the transport.
 */
public final class ResumeNode {
    private ResumeNode() {
    }

    /**
     * @param root the task root
     * @param node this node's id
     * @param transport the destination
     * @param source the allowed source root
     * @param threads mover threads
     * @param rangeSize mover range size
     * @throws Exception on any failure (the test sees the process exit non-zero)
     */
    public static void runUntilATaskIsDone(Path root, String node, Transport transport, Path source, int threads,
                                           long rangeSize) throws Exception {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        HeartbeatFileMembership membership = HeartbeatFileMembership.builder().nodeId(node).taskRoot(root)
                .heartbeatInterval(Duration.ofMillis(200)).nodeLease(Duration.ofSeconds(2)).build();
        membership.start();
        try (ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder()
                .allowSourceRoot(source).threads(threads).rangeSize(rangeSize).build()).build()) {
            mover.start();
            Worker worker = Worker.builder().node(node).store(store).taskExecutor(new MoverTaskExecutor(mover))
                    .membership(membership).config(WorkerConfig.builder().concurrency(1)
                            .pollInterval(Duration.ofMillis(100)).heartbeatInterval(Duration.ofMillis(200))
                            .leaseRenewInterval(Duration.ofMillis(500)).build())
                    .build();
            worker.start();
            // polling the outcome is this process's job, not a synchronisation of the test
            while (store.count(TaskState.DONE, null) == 0) {
                Thread.sleep(50);
            }
            long[] ledger = mover.ledgerCost();
            System.out.println("RESUME-STATS node=" + node + " written=" + mover.bytesWritten() + " resumed="
                    + mover.bytesResumed() + " ledgerWrites=" + ledger[0] + " ledgerBytes=" + ledger[1]
                    + " ledgerNanos=" + ledger[2]);
            System.out.flush();
            worker.close();
        }
        membership.close();
    }
}
