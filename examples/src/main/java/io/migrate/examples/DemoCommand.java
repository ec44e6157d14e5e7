package io.migrate.examples;

import io.migrate.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code migrate demo}: the README's first command. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Migrates sample files to an embedded S3 server with 1 manager and 3 backends, verifies every "
                + "object and prints a summary.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--small-files", defaultValue = "300", description = "Small files (default ${DEFAULT-VALUE}).")
    int smallFiles;

    @Option(names = "--small-max-bytes", defaultValue = "1048576", description = "Largest small file (default ${DEFAULT-VALUE}).")
    long smallMaxBytes;

    @Option(names = "--large-files", defaultValue = "3", description = "Large files, sent in ranges (default ${DEFAULT-VALUE}).")
    int largeFiles;

    @Option(names = "--large-bytes", defaultValue = "50331648", description = "Size of each large file (default ${DEFAULT-VALUE}).")
    long largeBytes;

    @Option(names = "--backends", defaultValue = "3", description = "Backend nodes (default ${DEFAULT-VALUE}).")
    int backends;

    @Option(names = "--files-per-task", defaultValue = "20", description = "Files per task (default ${DEFAULT-VALUE}).")
    int filesPerTask;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sample files (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work-dir", description = "Keep everything here (default: a temporary directory, removed after).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        boolean temporary = workDir == null;
        Path dir = temporary ? Files.createTempDirectory("migrate-demo-") : workDir;
        try {
            Demo.Summary s = Demo.run(new Demo.Options(dir, smallFiles, smallMaxBytes, largeFiles, largeBytes, backends,
                    filesPerTask, seed, System.console() != null), System.out);
            print(s);
            return s.ok() ? 0 : 1;
        } finally {
            if (temporary) {
                Trees.deleteTree(dir);
            }
        }
    }

    private static void print(Demo.Summary s) {
        double seconds = Math.max(1e-3, s.elapsed().toMillis() / 1000.0);
        System.out.println();
        System.out.println("== summary ==");
        System.out.printf("tasks        %d%n", s.tasks());
        System.out.printf("files        %d%n", s.files());
        System.out.printf("bytes        %s%n", Demo.mib(s.bytes()));
        System.out.printf("time         %.1f s%n", seconds);
        System.out.printf("throughput   %.1f MiB/s, %.0f files/s%n", s.bytes() / seconds / (1 << 20), s.files() / seconds);
        long total = Math.max(1, s.bytesPerNode().values().stream().mapToLong(Long::longValue).sum());
        s.bytesPerNode().forEach((node, bytes) -> System.out.printf("  %-10s %5.1f%% of bytes, %d files%n", node,
                100.0 * bytes / total, s.filesPerNode().get(node)));
        System.out.printf("verified     %d/%d objects equal to their source%n", s.verified(), s.files());
        System.out.printf("failures     %s%n", s.failures().isEmpty() ? "none" : s.failures());
        System.out.println(s.ok() ? "RESULT: OK" : "RESULT: FAILED");
    }

}
