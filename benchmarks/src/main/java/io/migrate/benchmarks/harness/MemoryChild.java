package io.migrate.benchmarks.harness;

import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.TestExecutionContext;
import io.migrate.testing.Trees;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Item 5, the child JVM: moves the source tree {@code rounds} times POSIX → POSIX with a default
 * mover (fsync on), deleting each round's output, while a sampler records this process's RSS and
 * the buffer pool's use every 250 ms. Prints {@code SAMPLE ms rssKiB poolHighWater heapCommitted heapUsed
 * directBytes} lines, then
 * {@code ROUND}, and finally {@code RESULT vmHwmKiB poolHighWater poolCapacity bytesMoved}.
 *
 * <p>Arguments: source dir, target dir, rounds.
 */
public final class MemoryChild {
    private MemoryChild() {
    }

    /**
     * @param args source dir, target dir, rounds
     * @throws Exception on any failure (non-zero exit)
     */
    public static void main(String[] args) throws Exception {
        Path src = Path.of(args[0]);
        Path dst = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        List<String> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(Files::isRegularFile).map(p -> src.relativize(p).toString()).sorted().toList();
        }
        long start = System.nanoTime();
        MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
        long moved = 0;
        ExecutorService callers = Executors.newFixedThreadPool(2);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-sampler");
            t.setDaemon(true);
            return t;
        });
        try (PosixTransport transport = PosixTransport.create(PosixTransportConfig.builder().endpoint("dst", dst).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport)
                     .config(MoverConfig.builder().allowSourceRoot(src).build()).build()) {
            mover.start();
            sampler.scheduleAtFixedRate(() -> System.out.printf("SAMPLE %d %d %d %d %d %d%n",
                    (System.nanoTime() - start) / 1_000_000, status("VmRSS"), mover.bufferHighWaterBytes(),
                    heap.getHeapMemoryUsage().getCommitted(), heap.getHeapMemoryUsage().getUsed(), direct()),
                    0, 250, TimeUnit.MILLISECONDS);
            for (int round = 0; round < rounds; round++) {
                Path out = dst.resolve("r" + round);
                List<Future<TaskResult>> results = new ArrayList<>();
                for (int from = 0; from < files.size(); from += 500) {
                    MigrationTask.Builder b = MigrationTask.builder().sourceRoot(src.toString());
                    for (String f : files.subList(from, Math.min(files.size(), from + 500))) {
                        b.addFile(f, "r" + round + "/" + f);
                    }
                    MigrationTask task = b.build();
                    results.add(callers.submit(() -> mover.move(task, new TestExecutionContext("bench"))));
                }
                for (Future<TaskResult> f : results) {
                    TaskResult r = f.get();
                    if (r.outcome() != TaskOutcome.SUCCEEDED) {
                        throw new IllegalStateException("round " + round + ": " + r.outcome());
                    }
                    moved += r.bytes();
                }
                Trees.deleteTree(out);
                System.out.printf("ROUND %d %d %d%n", round, (System.nanoTime() - start) / 1_000_000, moved);
            }
            System.out.printf("RESULT %d %d %d %d%n", status("VmHWM"), mover.bufferHighWaterBytes(),
                    mover.bufferCapacityBytes(), moved);
        } finally {
            sampler.shutdownNow();
            callers.shutdownNow();
        }
    }

    /** @return bytes of direct buffers the JVM has allocated (the mover's pool and NIO's temporary ones) */
    static long direct() {
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                return b.getMemoryUsed();
            }
        }
        return -1;
    }

    /** A {@code /proc/self/status} field in KiB. */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
