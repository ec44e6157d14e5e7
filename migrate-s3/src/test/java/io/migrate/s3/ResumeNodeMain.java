package io.migrate.s3;

import io.migrate.testing.ResumeNode;
import java.net.URI;
import java.nio.file.Path;


/**
 * A backend node in its own JVM for {@link PartResumeProcessIT}: a worker on the shared task
 * root whose executor is a mover to the S3 endpoint ({@link ResumeNode}). When a task has reached
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
        int threads = Integer.parseInt(args[6]);
        try (S3Transport transport = S3Transport.create(S3TestSupport.config(URI.create(args[2]))
                .credentials(args[3], args[4]).sessionsPerEndpoint(threads).build())) {
            ResumeNode.runUntilATaskIsDone(Path.of(args[0]), args[1], transport, Path.of(args[5]), threads,
                    Long.parseLong(args[7]));
        }
        System.exit(0);
    }
}
