package io.migrate.benchmarks;

import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import io.migrate.worker.ExecutionContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast does the mover copy one large file POSIX → POSIX, next to {@code Files.copy} and
 * {@code cp}, measured in the same run on the same source file? Each invocation copies the file
 * to a fresh target (the previous one is deleted first, so the mover never skips it); with
 * {@code durable=true} every variant ends with the data fsynced, as the mover does.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PosixCopyBenchmark -p sizeMiB=1024}.
 * The file lives under {@code -p dir=...} (default: the system temp dir), so source and target
 * share one filesystem and the source is in the page cache after the first copy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class PosixCopyBenchmark {

    /** Size of the file to copy, MiB. */
    @Param({"1024"})
    public int sizeMiB;

    /** Mover threads. */
    @Param({"4"})
    public int threads;

    /** fsync the copy before an invocation ends (the mover always does in production). */
    @Param({"true"})
    public boolean durable;

    /** Where to create the data; empty for the system temp dir. */
    @Param({""})
    public String dir;

    private Path work;
    private Path src;
    private Path dst;
    private ParallelFileMover mover;
    private PosixTransport transport;

    @Setup(Level.Trial)
    public void createSource() throws IOException {
        Path base = dir.isEmpty() ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(dir);
        work = Files.createTempDirectory(base, "migrate-bench-");
        src = Files.createDirectories(work.resolve("src"));
        dst = Files.createDirectories(work.resolve("dst"));
        writeRandom(src.resolve("big.bin"), (long) sizeMiB << 20);
        transport = PosixTransport.create(PosixTransportConfig.builder().endpoint("dst", dst).fsync(durable).build());
        mover = ParallelFileMover.builder(transport)
                .config(MoverConfig.builder().allowSourceRoot(src).threads(threads).build()).build();
        mover.start();
    }

    @Setup(Level.Invocation)
    public void clearTarget() throws IOException {
        try (Stream<Path> s = Files.list(dst)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.delete(p);
            }
        }
    }

    @TearDown(Level.Trial)
    public void cleanUp() throws IOException {
        mover.close();
        transport.close();
        try (Stream<Path> s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The ParallelFileMover through the POSIX transport (ranges of 8 MiB in parallel). */
    @Benchmark
    public TaskResult mover() throws InterruptedException {
        MigrationTask task = MigrationTask.builder().sourceRoot(src.toString()).addFile("big.bin", "big.bin").build();
        TaskResult r = mover.move(task, CONTEXT);
        if (r.outcome() != TaskOutcome.SUCCEEDED) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }

    /** {@code java.nio.file.Files.copy}, then fsync when durable. */
    @Benchmark
    public Path filesCopy() throws IOException {
        Path target = Files.copy(src.resolve("big.bin"), dst.resolve("big.bin"));
        return syncIfDurable(target);
    }

    /** GNU {@code cp} in a child process, then fsync when durable. */
    @Benchmark
    public Path cp() throws IOException, InterruptedException {
        Path target = dst.resolve("big.bin");
        Process p = new ProcessBuilder("cp", src.resolve("big.bin").toString(), target.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cp exited " + p.exitValue());
        }
        return syncIfDurable(target);
    }

    private Path syncIfDurable(Path target) throws IOException {
        if (durable) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        return target;
    }

    private static void writeRandom(Path file, long size) throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                buf.clear();
                while (buf.remaining() >= 8) {
                    buf.putLong(rnd.nextLong());
                }
                buf.flip().limit((int) Math.min(buf.limit(), left));
                while (buf.hasRemaining()) {
                    left -= ch.write(buf);
                }
            }
            ch.force(true);
        }
    }

    private static final ExecutionContext CONTEXT = new ExecutionContext() {
        @Override
        public String node() {
            return "bench";
        }

        @Override
        public String runId() {
            return "bench";
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void progress(long bytesDone, int filesDone) {
        }
    };
}
