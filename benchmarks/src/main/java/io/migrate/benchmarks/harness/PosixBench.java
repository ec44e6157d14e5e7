package io.migrate.benchmarks.harness;

import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Item 3: one large file POSIX → POSIX on one filesystem: the mover through the POSIX transport
 * versus GNU {@code cp} and {@code Files.copy}, each ending with the data fsynced (durable) or
 * not. The source is in the page cache; the previous target is deleted before every copy.
 */
final class PosixBench {
    private final Harness.Options o;
    private final Report report;

    PosixBench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
    }

    void run() throws Exception {
        Path work = o.work().resolve("posix");
        Path src = work.resolve("src");
        Path dst = Files.createDirectories(work.resolve("dst"));
        Path file = src.resolve("big.bin");
        long size = o.posixMiB() * Bench.MIB;
        Bench.writeRandom(file, size, 7);
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        Map<String, List<String>> loads = new LinkedHashMap<>();
        for (boolean durable : new boolean[] {true, false}) {
            try (PosixTransport transport = PosixTransport.create(PosixTransportConfig.builder().endpoint("dst", dst).fsync(durable).build());
                 ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder()
                         .allowSourceRoot(src).threads(o.posixThreads()).build()).build()) {
                mover.start();
                String suffix = durable ? ", fsync" : ", no fsync";
                List<String> names = List.of("cp" + suffix, "Files.copy" + suffix,
                        "migrate mover, " + o.posixThreads() + " threads" + suffix);
                for (String n : names) {
                    ms.put(n, new ArrayList<>());
                    cpu.put(n, new ArrayList<>());
                    loads.put(n, new ArrayList<>());
                }
                Path target = dst.resolve("big.bin");
                // one unmeasured round warms the JIT and the page cache of the source
                for (int round = -1; round < o.posixRuns(); round++) {
                    for (int i = 0; i < names.size(); i++) {
                        String who = names.get((i + Math.max(0, round)) % names.size());
                        Files.deleteIfExists(target);
                        Bench.sync(); // the previous copy's writeback must not be billed to this one
                        String load = Bench.load();
                        long t0 = System.nanoTime();
                        long cpu0 = processCpuNanos();
                        double cpuMillis;
                        if (who.startsWith("cp")) {
                            // the shell prints its stat after waiting for cp: fields 16/17 are the
                            // children's user/system CPU in clock ticks
                            Process p = new ProcessBuilder("sh", "-c", "cp \"$1\" \"$2\" && cat /proc/$$/stat", "sh",
                                    file.toString(), target.toString()).redirectErrorStream(true).start();
                            String stat = new String(p.getInputStream().readAllBytes()).trim();
                            if (p.waitFor() != 0) {
                                throw new IllegalStateException("cp failed: " + stat);
                            }
                            fsyncIf(durable, target);
                            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            cpuMillis = (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 10.0 // 100 Hz ticks
                                    + (processCpuNanos() - cpu0) / 1e6; // plus our fsync
                        } else if (who.startsWith("Files.copy")) {
                            Files.copy(file, target);
                            fsyncIf(durable, target);
                            cpuMillis = (processCpuNanos() - cpu0) / 1e6;
                        } else {
                            TaskResult r = mover.move(MigrationTask.builder().sourceRoot(src.toString())
                                    .addFile("big.bin", "big.bin").build(), new TestExecutionContext("bench"));
                            if (r.outcome() != TaskOutcome.SUCCEEDED) {
                                throw new IllegalStateException("mover failed: " + r);
                            }
                            cpuMillis = (processCpuNanos() - cpu0) / 1e6;
                        }
                        double millis = (System.nanoTime() - t0) / 1e6;
                        if (Files.size(target) != size) {
                            throw new IllegalStateException(who + " wrote " + Files.size(target) + " bytes");
                        }
                        if (round >= 0) {
                            ms.get(who).add(millis);
                            cpu.get(who).add(cpuMillis);
                            loads.get(who).add(load);
                        }
                        Harness.log("POSIX round %d %-40s %7.0f ms, CPU %5.0f ms (load %s)", round + 1, who, millis,
                                cpuMillis, load);
                    }
                }
                Files.deleteIfExists(target);
            }
        }
        report.h2(String.format("3. One %d MiB file POSIX → POSIX (same filesystem)", o.posixMiB()));
        report.p("Source in the page cache; the target is deleted and `sync` run before every copy; "
                + "`fsync` = the copy ends with its data on disk (the mover fsyncs before its commit rename; "
                + "`cp`/`Files.copy` get an fsync of the target after). Contenders rotate; median of "
                + o.posixRuns() + " runs after one warm-up round. CPU = user + system time of the copying process "
                + "(the harness JVM for the mover and `Files.copy`, `cp` itself for `cp`): unlike wall time it "
                + "hardly depends on the machine's load.");
        report.row("contender", "median ms", "MiB/s", "vs cp (time ratio cp/this)", "median CPU ms", "runs ms",
                "load avg at start");
        for (Map.Entry<String, List<Double>> e : ms.entrySet()) {
            double m = Bench.median(e.getValue());
            String cpKey = e.getKey().endsWith(", fsync") ? "cp, fsync" : "cp, no fsync";
            double cp = Bench.median(ms.get(cpKey));
            report.row(e.getKey(), String.format("%.0f", m), String.format("%.0f", size / (double) Bench.MIB / (m / 1000)),
                    String.format("%.2fx", cp / m), String.format("%.0f", Bench.median(cpu.get(e.getKey()))),
                    Bench.list(e.getValue()), String.join(", ", loads.get(e.getKey())));
        }
        report.endTable();
        String moverDurable = "migrate mover, " + o.posixThreads() + " threads, fsync";
        report.result("posix.mover", 1 / Bench.median(ms.get(moverDurable)));
        report.result("posix.cp", 1 / Bench.median(ms.get("cp, fsync")));
    }

    /** CPU time of this whole JVM (all threads, user + system). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void fsyncIf(boolean durable, Path target) throws IOException {
        if (durable) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }
}
