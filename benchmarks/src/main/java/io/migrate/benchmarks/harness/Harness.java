package io.migrate.benchmarks.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The peer-comparison harness: runs this library and its peers on the same inputs in the same
 * run and writes the results as Markdown into {@code docs/performance.md} (between the harness
 * markers). Started by {@code benchmarks/run.sh}, which installs rclone and the S3Proxy jar and
 * builds the shaded jar first.
 *
 * <p>Arguments are {@code --name=value} (see {@link Options}); {@code --quick} shrinks every
 * input for a fast check. Every server and child process it starts is stopped before it exits.
 */
public final class Harness {
    /** All sections in report order. */
    static final List<String> SECTIONS = List.of("s3big", "s3small", "posix", "dispatch", "memory", "failover");
    // "scale" (ScaleBench) is not in SECTIONS: it runs only when named in --only (millions of files, ~30 min).

    private Harness() {
    }

    /**
     * @param args {@code --quick}, {@code --name=value} options
     * @throws Exception when a section fails (the report is not written then)
     */
    public static void main(String[] args) throws Exception {
        int rc = 1;
        try {
            run(new Options(args));
            rc = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            // SDK, Jetty and Curator threads must not keep the JVM alive after a failure.
            System.exit(rc);
        }
    }

    static Report run(Options o) throws Exception {
        Files.createDirectories(o.work());
        Report r = new Report();
        Instant start = Instant.now();
        log("harness start: sections %s, work %s, %s", o.sections(), o.work(), o.quick() ? "quick" : "full");
        machine(r, o);
        Set<String> s = o.sections();
        if (s.contains("s3big") || s.contains("s3small")) {
            new S3Bench(o, r).run(s.contains("s3big"), s.contains("s3small"));
        }
        if (s.contains("posix")) {
            new PosixBench(o, r).run();
        }
        if (s.contains("dispatch")) {
            new DispatchBench(o, r).run();
        }
        if (s.contains("memory")) {
            new MemoryBench(o, r).run();
        }
        if (s.contains("failover")) {
            new FailoverBench(o, r).run();
        }
        if (s.contains("scale")) {
            new ScaleBench(o, r).run();
        }
        targets(r);
        r.p(String.format("Harness run took %d s (%s).", Instant.now().getEpochSecond() - start.getEpochSecond(),
                o.quick() ? "`--quick`" : "full"));
        if (o.out() != null) {
            r.writeInto(o.out());
            log("wrote %s", o.out());
        } else {
            System.out.println(r.markdown());
        }
        return r;
    }

    private static void machine(Report r, Options o) {
        r.h2("Machine and versions");
        r.p(String.format("Run %s UTC with `%s`.", Instant.now().truncatedTo(ChronoUnit.SECONDS),
                String.join(" ", o.args())));
        r.row("what", "value");
        r.row("cores (`nproc`)", Bench.firstLine("nproc"));
        r.row("CPU", Bench.firstLine("sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"));
        r.row("memory (`free -h`, total / available)",
                Bench.firstLine("sh", "-c", "free -h | awk '/Mem:/ {print $2 \" / \" $7}'"));
        r.row("disk of the work dir", Bench.firstLine("sh", "-c", "df -h " + o.work()
                + " | awk 'NR==2 {print $1 \", \" $2 \" total, \" $4 \" free\"}'") + ", "
                + Bench.firstLine("sh", "-c", "findmnt -no FSTYPE -T " + o.work()));
        r.row("kernel", Bench.firstLine("uname", "-r"));
        r.row("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        r.row("rclone", Bench.firstLine("rclone", "version"));
        r.row("S3Proxy", "4.1.0 (standalone jar-with-dependencies, filesystem store, own JVM)");
        if (o.s3Servers().contains("rgw")) {
            r.row("Ceph RGW", io.migrate.s3.testing.CephRgw.version() + " (Debian packages; 1 mon, 1 memstore OSD "
                    + "of " + o.rgwMemstoreGiB() + " GiB, pools of size 1, radosgw beast; io.migrate.s3.testing.CephRgw)");
        }
        r.row("cp", Bench.firstLine("cp", "--version"));
        r.row("load average at start (1 min)", Bench.load());
        r.endTable();
    }

    /** The summary of the brief's targets, from the headline numbers the sections recorded. */
    private static void targets(Report r) {
        r.h2("Targets");
        r.row("target", "measured", "met?");
        ratio(r, ">= 1.2x best peer, 1 large file to S3", r.result("s3big.mover"), r.result("s3big.bestPeer"), 1.2);
        ratio(r, ">= 1.2x rclone, small files to S3", r.result("s3small.mover"), r.result("s3small.rclone"), 1.2);
        ratio(r, ">= 1.0x one PutObject, 1 GiB to S3Proxy with default settings (issue 16)",
                r.result("s3big.default"), r.result("s3big.onePut"), 1.0);
        ratio(r, "(1 GiB to S3Proxy, default settings vs best peer)", r.result("s3big.default"),
                r.result("s3big.bestPeer"), 0);
        ratio(r, ">= 1.2x best peer, 1 GiB to Ceph RGW with default settings (issue 16)",
                r.result("s3big.rgw.default"), r.result("s3big.rgw.bestPeer"), 1.2);
        ratio(r, "(1 GiB to Ceph RGW, default settings vs one PutObject)", r.result("s3big.rgw.default"),
                r.result("s3big.rgw.onePut"), 0);
        ratio(r, ">= 1.2x rclone, small files to Ceph RGW", r.result("s3small.rgw.mover"),
                r.result("s3small.rgw.rclone"), 1.2);
        ratio(r, ">= 0.9x cp, 1 GiB POSIX to POSIX (durable)", r.result("posix.mover"), r.result("posix.cp"), 0.9);
        ratio(r, ">= 0.7x raw rename rate, dispatch", r.result("dispatch.rate"), r.result("dispatch.rename"), 0.7);
        Double bpt = r.result("dispatch.bytesPerTask");
        if (bpt != null) {
            r.row("<= 256 B heap per pending task", String.format("%.0f B", bpt), bpt <= 256 ? "yes" : "no");
        }
        Double growth = r.result("memory.rssGrowthMiB");
        if (growth != null) {
            r.row("flat memory while moving (max RSS, 2nd half vs 1st half of the run, heap pre-touched)",
                    String.format("%+.0f MiB", growth), Math.abs(growth) <= 32 ? "yes" : "no");
        }
        r.endTable();
    }

    private static void ratio(Report r, String what, Double ours, Double peer, double target) {
        if (ours != null && peer != null) {
            double x = ours / peer;
            r.row(what, String.format("%.2fx", x), target <= 0 ? "(no target)" : x >= target ? "yes" : "no");
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[%s] %s%n", Instant.now().truncatedTo(ChronoUnit.SECONDS), String.format(format, args));
    }

    /**
     * Harness settings, {@code --name=value}. Defaults are the full run; {@code --quick} shrinks the
     * inputs. Tuned peer/library settings are defaults here so every run uses the same ones.
     */
    static final class Options {
        private final String[] args;
        private final Map<String, String> v = new HashMap<>();
        private final boolean quick;

        Options(String... args) {
            this.args = args.clone();
            for (String a : args) {
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("arguments are --name=value, got " + a);
                }
                int eq = a.indexOf('=');
                v.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
            }
            this.quick = Boolean.parseBoolean(v.getOrDefault("quick", "false"));
        }

        String[] args() {
            return args.clone();
        }

        boolean quick() {
            return quick;
        }

        private String s(String name, String full, String quickValue) {
            return v.getOrDefault(name, quick ? quickValue : full);
        }

        private int i(String name, int full, int quickValue) {
            return Integer.parseInt(s(name, Integer.toString(full), Integer.toString(quickValue)));
        }

        Path work() {
            return Path.of(s("work", "/tmp/migrate-bench", "/tmp/migrate-bench"));
        }

        Path out() {
            String out = v.get("out");
            return out == null ? null : Path.of(out);
        }

        Path s3proxyJar() {
            return Path.of(s("s3proxy-jar", "", ""));
        }

        Set<String> sections() {
            String only = v.get("only");
            return only == null ? new LinkedHashSet<>(SECTIONS) : new LinkedHashSet<>(Arrays.asList(only.split(",")));
        }

        int runs() {
            return i("runs", 3, 1);
        }

        /** S3 servers the S3 sections run against, in this order: {@code s3proxy}, {@code rgw}. */
        List<String> s3Servers() {
            return Arrays.asList(s("s3-servers", "s3proxy,rgw", "s3proxy,rgw").split(","));
        }

        /** Capacity of RGW's in-memory OSD (the 1 GiB rows need a few GiB until RGW's GC frees deleted data). */
        long rgwMemstoreGiB() {
            return i("rgw-memstore-gib", 8, 4);
        }

        long bigMiB() {
            return i("big-mib", 1024, 256);
        }

        int s3Threads() {
            return i("s3-threads", 8, 8);
        }

        long s3RangeMiB() {
            return i("s3-range-mib", 16, 16);
        }

        int rcloneConcurrency() {
            return i("rclone-concurrency", 8, 8);
        }

        long rcloneChunkMiB() {
            return i("rclone-chunk-mib", 16, 16);
        }

        int tmConcurrency() {
            return i("tm-concurrency", 8, 8);
        }

        int smallCount() {
            return i("small-count", 10_000, 1_000);
        }

        /** Runs of the small-files comparison (about 10 s per contender and run for 10,000 files). */
        int smallRuns() {
            return i("small-runs", 3, 1);
        }

        int smallThreads() {
            return i("small-threads", 16, 16);
        }

        int smallCallers() {
            return i("small-callers", 4, 2);
        }

        int rcloneTransfers() {
            return i("rclone-transfers", 16, 16);
        }

        long posixMiB() {
            return i("posix-mib", 1024, 256);
        }

        int posixThreads() {
            return i("posix-threads", 2, 2);
        }

        int posixRuns() {
            return i("posix-runs", 5, 2);
        }

        int dispatchTasks() {
            return i("dispatch-tasks", 10_000, 2_000);
        }

        long memoryGiB() {
            return i("memory-gib", 10, 2);
        }

        /** Pending task counts of the scale section. */
        int[] scaleTasks() {
            return Arrays.stream(s("scale-tasks", "10000,100000,1000000", "10000,50000").split(","))
                    .mapToInt(Integer::parseInt).toArray();
        }

        /** Submit rate the scale section's ids are spaced by (tasks/s). */
        int scaleRate() {
            return i("scale-rate", 1000, 1000);
        }

        /** Archived tasks next to which the scale section measures status(id). */
        int scaleArchived() {
            return i("scale-archived", 1_000_000, 50_000);
        }

        boolean failoverDefaultLease() {
            return Boolean.parseBoolean(s("failover-default-lease", "true", "false"));
        }
    }
}
