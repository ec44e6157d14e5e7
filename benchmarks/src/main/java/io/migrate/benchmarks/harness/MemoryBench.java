package io.migrate.benchmarks.harness;

import io.migrate.testing.ChildJvm;
import io.migrate.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Item 5: peak RSS and buffer-pool high-water mark of a child JVM whose mover moves at least
 * {@code memory-gib} GiB of mixed file sizes (real random data, moved round after round, each
 * round's output deleted), with RSS sampled over time to show it stays flat.
 */
final class MemoryBench {
    /** One round's source tree: sizes and counts (bytes, files). */
    private static final long[][] MIX = {{512 * Bench.MIB, 1}, {128 * Bench.MIB, 3}, {Bench.MIB, 100},
        {64 * Bench.KIB, 1000}};

    private final Harness.Options o;
    private final Report report;

    MemoryBench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
    }

    void run() throws Exception {
        Path work = o.work().resolve("memory");
        Path src = work.resolve("src");
        Path dst = work.resolve("dst");
        Trees.deleteTree(dst);
        Files.createDirectories(dst);
        long perRound = 0;
        int seed = 0;
        for (long[] m : MIX) {
            for (int i = 0; i < m[1]; i++) {
                Bench.writeRandom(src.resolve(String.format("s%d/f%04d.bin", m[0], i)), m[0], seed++);
                perRound += m[0];
            }
        }
        int rounds = (int) Math.max(1, (o.memoryGiB() * Bench.GIB + perRound - 1) / perRound);
        Harness.log("memory: %d rounds of %.0f MiB, free disk: %s", rounds, perRound / (double) Bench.MIB,
                Bench.firstLine("sh", "-c", "df -h " + work + " | awk 'NR==2 {print $4}'"));
        String load = Bench.load();
        String out;
        try (ChildJvm child = ChildJvm.start("memory-child", work, MemoryChild.class,
                // heap fixed and touched up front, so RSS growth would be anything but the Java heap
                List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:-UseSerialGC", "-XX:+UseG1GC",
                        "-XX:TieredStopAtLevel=4"),
                src.toString(), dst.toString(), Integer.toString(rounds))) {
            int rc = child.awaitExit(Duration.ofMinutes(30));
            out = child.output();
            if (rc != 0) {
                throw new IllegalStateException("memory child exited " + rc + ":\n" + out);
            }
        }
        List<long[]> samples = new ArrayList<>();
        List<long[]> roundEnds = new ArrayList<>();
        long[] result = null;
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "SAMPLE" -> samples.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6])});
                case "ROUND" -> roundEnds.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), samples.isEmpty() ? -1 : samples.get(samples.size() - 1)[1],
                    samples.isEmpty() ? -1 : samples.get(samples.size() - 1)[3],
                    samples.isEmpty() ? -1 : samples.get(samples.size() - 1)[5]});
                case "RESULT" -> result = new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[4])};
                default -> {
                }
            }
        }
        if (result == null || samples.isEmpty()) {
            throw new IllegalStateException("memory child printed no result:\n" + out);
        }
        long endMs = samples.get(samples.size() - 1)[0];
        long firstHalfMax = 0;
        long secondHalfMax = 0;
        long maxHeapCommitted = 0;
        long maxDirect = 0;
        for (long[] s : samples) {
            maxHeapCommitted = Math.max(maxHeapCommitted, s[3]);
            maxDirect = Math.max(maxDirect, s[5]);
            if (s[0] < endMs / 2) {
                firstHalfMax = Math.max(firstHalfMax, s[1]);
            } else {
                secondHalfMax = Math.max(secondHalfMax, s[1]);
            }
        }
        double growthMiB = (secondHalfMax - firstHalfMax) / 1024.0;
        double gib = result[3] / (double) Bench.GIB;
        double secs = roundEnds.get(roundEnds.size() - 1)[1] / 1000.0;
        report.h2(String.format("5. Mover memory while moving %.1f GiB of mixed sizes", gib));
        report.p(String.format("A child JVM (`-Xms256m -Xmx256m -XX:+AlwaysPreTouch`, G1: the heap is resident from the start, so RSS growth would be memory outside the Java heap) with a default mover (4 threads, 8 MiB ranges, 256 MiB "
                + "buffer cap, fsync on) moves a %.0f MiB source tree (1 × 512 MiB, 3 × 128 MiB, 100 × 1 MiB, "
                + "1000 × 64 KiB, random data) %d times POSIX → POSIX in tasks of up to 500 files, two tasks at "
                + "once; each round's output is deleted after it. RSS is sampled every 250 ms from "
                + "`/proc/self/status`. Load average at start %s.", perRound / (double) Bench.MIB, rounds, load));
        report.row("measure", "value");
        report.row("bytes moved", String.format("%.2f GiB in %.0f s (%.0f MiB/s)", gib, secs,
                result[3] / (double) Bench.MIB / secs));
        report.row("peak RSS (VmHWM)", String.format("%.0f MiB", result[0] / 1024.0));
        report.row("buffer pool high-water / cap", String.format("%.0f / %.0f MiB", result[1] / (double) Bench.MIB,
                result[2] / (double) Bench.MIB));
        report.row("max RSS, first half of the run", String.format("%.0f MiB", firstHalfMax / 1024.0));
        report.row("max RSS, second half of the run", String.format("%.0f MiB (%+.0f MiB)", secondHalfMax / 1024.0,
                growthMiB));
        report.row("max committed Java heap / max direct buffers", String.format("%.0f / %.0f MiB",
                maxHeapCommitted / (double) Bench.MIB, maxDirect / (double) Bench.MIB));
        StringBuilder rows = new StringBuilder();
        for (long[] r : roundEnds) {
            rows.append(rows.length() == 0 ? "" : ", ").append(r[3] / 1024).append(" / ")
                    .append(r[4] / Bench.MIB).append(" / ").append(r[5] / Bench.MIB);
        }
        report.row("RSS / committed heap / direct MiB at the end of each round", rows.toString());
        report.endTable();
        report.result("memory.rssGrowthMiB", growthMiB);
        Trees.deleteTree(dst);
    }
}
