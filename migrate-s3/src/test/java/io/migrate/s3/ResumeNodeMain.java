package io.migrate.s3;

import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.move.MoverConfig;
import io.migrate.move.MoverTaskExecutor;
import io.migrate.move.ParallelFileMover;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskState;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * A backend node in its own JVM for {@link PartResumeProcessIT}: a {@link Worker} on the shared task
 * root whose executor is a {@link ParallelFileMover} to the S3 endpoint. When a task has reached
 * {@code done/} it prints {@code RESUME-STATS node=.. written=.. resumed=.. ledgerWrites=..
 * ledgerBytes=.. ledgerNanos=..} and exits 0; it is SIGKILLed before that by the test when it is the
 * node that dies half way.
 *
 * <p>Arguments: taskRoot nodeId endpoint accessKey secretKey sourceRoot threads rangeSize.
 */
public final class ResumeNodeMain {
    private ResumeNodeMain() {
    }

    /**
     * @param args taskRoot nodeId endpoint accessKey secretKey sourceRoot threads rangeSize
     * @throws Exception on any failure (the test sees the process exit non-zero)
     */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String node = args[1];
        URI endpoint = URI.create(args[2]);
        String accessKey = args[3];
        String secretKey = args[4];
        Path source = Path.of(args[5]);
        int threads = Integer.parseInt(args[6]);
        long rangeSize = Long.parseLong(args[7]);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        HeartbeatFileMembership membership = HeartbeatFileMembership.builder().nodeId(node).taskRoot(root)
                .heartbeatInterval(Duration.ofMillis(200)).nodeLease(Duration.ofSeconds(2)).build();
        membership.start();
        try (S3Transport transport = S3Transport.create(S3TestSupport.config(endpoint)
                .credentials(accessKey, secretKey).sessionsPerEndpoint(threads).build());
                ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder()
                        .allowSourceRoot(source).threads(threads).rangeSize(rangeSize).build()).build()) {
            mover.start();
            Worker worker = Worker.builder().node(node).store(store).taskExecutor(new MoverTaskExecutor(mover))
                    .membership(membership).config(WorkerConfig.builder().concurrency(1)
                            .pollInterval(Duration.ofMillis(100)).heartbeatInterval(Duration.ofMillis(200))
                            .leaseRenewInterval(Duration.ofMillis(500)).build())
                    .build();
            worker.start();
            System.out.println("READY " + node);
            System.out.flush();
            // polling the outcome is this process's job, not a synchronisation of the test
            while (store.count(TaskState.DONE, null) == 0) {
                Thread.sleep(50);
            }
            long[] ledger = mover.ledgerCost();
            System.out.println("RESUME-STATS node=" + node + " written=" + mover.bytesWritten() + " resumed="
                    + mover.bytesResumed() + " ledgerWrites=" + ledger[0] + " ledgerBytes=" + ledger[1] + " ledgerNanos="
                    + ledger[2] + " " + Arrays.toString(ledger));
            System.out.flush();
            worker.close();
        }
        membership.close();
        System.exit(0);
    }
}
