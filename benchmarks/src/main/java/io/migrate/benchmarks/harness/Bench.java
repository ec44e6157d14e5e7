package io.migrate.benchmarks.harness;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Small helpers shared by the harness sections: statistics, processes, files, load average. */
final class Bench {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long GIB = 1024 * MIB;

    private Bench() {
    }

    /** @return the median (upper median for even counts) */
    static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    /** @return the 1-minute load average, read from /proc/loadavg ("?" when unavailable) */
    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** @return values formatted with one decimal, comma separated */
    static String list(List<Double> values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format("%.1f", v));
        }
        return b.toString();
    }

    /**
     * Runs a command to completion with its output appended to {@code log}.
     *
     * @return the exit code
     */
    static int run(List<String> cmd, Path log, java.util.Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        pb.environment().remove("AWS_CA_BUNDLE"); // rclone rejects the bundle this environment sets
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + cmd);
        }
        return p.exitValue();
    }

    /** Runs a command and returns its first output line (for version strings); "?" on failure. */
    static String firstLine(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("?").trim();
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /** Writes {@code size} random bytes (seeded, so every run has the same content) unless already there. */
    static void writeRandom(Path file, long size, long seed) throws IOException {
        if (Files.exists(file) && Files.size(file) == size) {
            return;
        }
        Files.createDirectories(file.getParent());
        Random r = new Random(seed);
        byte[] block = new byte[(int) Math.min(size, MIB)];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length) {
                r.nextBytes(block);
                out.write(block, 0, (int) Math.min(left, block.length));
            }
        }
    }


    /** @return CPU time this JVM used so far, all threads */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * @param stat a {@code /proc/<pid>/stat} line
     * @param children whether to read the waited-for children's CPU (fields 16, 17) instead of
     *     the process's own (14, 15)
     * @return user + system CPU in milliseconds (100 Hz clock ticks)
     */
    static double cpuMillisOf(String stat, boolean children) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        int user = children ? 13 : 11;
        return (Long.parseLong(f[user]) + Long.parseLong(f[user + 1])) * 10.0;
    }

    /** @return the CPU milliseconds process {@code pid} used so far */
    static double cpuMillisOf(long pid) {
        try {
            return cpuMillisOf(Files.readString(Path.of("/proc/" + pid + "/stat")), false);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
        }
    }

    /** Drops clean pages so a run does not find its output of the previous run in the cache (best effort). */
    static void sync() {
        firstLine("sync");
    }
}
