package io.migrate.move;

import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskState;
import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A backend node in its own JVM for {@link PosixPartResumeProcessIT}, the POSIX counterpart of
 * migrate-s3's {@code ResumeNodeMain}: a {@link Worker} on the shared task root whose executor is a
 * {@link ParallelFileMover} to a POSIX directory. Once a task is in {@code done/} it prints
 * {@code RESUME-STATS node=.. written=.. resumed=..} and exits 0 (unless SIGKILLed before).
 *
 * <p>Arguments: taskRoot nodeId destinationDir sourceRoot threads rangeSize [stallAfter]. With
 * {@code stallAfter} every range write after that many hangs (the node is killed long before it
 * returns), so the node that is to die half way can never finish the file first, however fast the disk.
 */
public final class PosixResumeNodeMain {
    private PosixResumeNodeMain() {
    }

    /**
     * @param args taskRoot nodeId destinationDir sourceRoot threads rangeSize [stallAfter]
     * @throws Exception on any failure (the test sees the process exit non-zero)
     */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String node = args[1];
        int threads = Integer.parseInt(args[4]);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        HeartbeatFileMembership membership = HeartbeatFileMembership.builder().nodeId(node).taskRoot(root)
                .heartbeatInterval(Duration.ofMillis(200)).nodeLease(Duration.ofSeconds(2)).build();
        membership.start();
        FaultInjectingTransport transport = new FaultInjectingTransport(PosixTransport.create(
                PosixTransportConfig.of(Path.of(args[2]))));
        if (args.length > 6) {
            transport.on(Op.WRITE).calls(Integer.parseInt(args[6]) + 1, Integer.MAX_VALUE).delay(Duration.ofHours(1));
        }
        try (ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder().allowSourceRoot(Path.of(args[3])).threads(threads)
                        .rangeSize(Long.parseLong(args[5])).build()).build()) {
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
            System.out.println("RESUME-STATS node=" + node + " written=" + mover.bytesWritten() + " resumed="
                    + mover.bytesResumed());
            System.out.flush();
            worker.close();
        }
        membership.close();
        System.exit(0);
    }
}
