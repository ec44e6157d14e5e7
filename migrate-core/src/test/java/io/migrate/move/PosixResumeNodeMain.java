package io.migrate.move;

import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.testing.ResumeNode;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.nio.file.Path;
import java.time.Duration;


/**
 * A backend node in its own JVM for {@link PosixPartResumeProcessIT}, the POSIX counterpart of
 * migrate-s3's {@code ResumeNodeMain}: a worker on the shared task root whose executor is a
 * {@link ParallelFileMover} to a POSIX directory ({@link ResumeNode}). Once a task is in {@code done/} it prints
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
        FaultInjectingTransport transport = new FaultInjectingTransport(PosixTransport.create(
                PosixTransportConfig.of(Path.of(args[2]))));
        if (args.length > 6) {
            transport.on(Op.WRITE).calls(Integer.parseInt(args[6]) + 1, Integer.MAX_VALUE).delay(Duration.ofHours(1));
        }
        ResumeNode.runUntilATaskIsDone(Path.of(args[0]), args[1], transport, Path.of(args[3]),
                Integer.parseInt(args[4]), Long.parseLong(args[5]));
        System.exit(0);
    }
}
