package io.migrate.benchmarks.harness;

import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.s3.ChecksumMode;
import io.migrate.s3.PayloadSigning;
import io.migrate.s3.S3Transport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.TestExecutionContext;
import io.migrate.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * Items 1 and 2: POSIX → local S3, this library versus rclone and the AWS SDK, against each server
 * of {@code --s3-servers} in turn: a standalone S3Proxy and Ceph RGW 16 ({@link RgwServer}).
 * Contenders alternate within each round (the order rotates) so drift on a shared machine hits all
 * of them alike; each run writes to a fresh prefix that is deleted afterwards.
 */
final class S3Bench {
    private static final String BUCKET = "bench";

    private final Harness.Options o;
    private final Report report;
    private final Path work;

    S3Bench(Harness.Options o, Report report) {
        this.o = o;
        this.report = report;
        this.work = o.work().resolve("s3");
    }

    void run(boolean big, boolean small) throws Exception {
        Files.createDirectories(work);
        for (String which : o.s3Servers()) {
            Trees.deleteTree(work.resolve("store")); // leftovers of an interrupted run
            try (BenchServer server = which.equals("rgw")
                    ? RgwServer.start(work.resolve("rgw"), o.rgwMemstoreGiB() * Bench.GIB)
                    : S3ProxyServer.start(o.s3proxyJar(), work, "1g");
                 S3Client sync = S3Clients.sync(server.endpoint(), server.accessKey(), server.secretKey())) {
                Harness.log("S3 server: %s at %s", server.title(), server.endpoint());
                sync.createBucket(b -> b.bucket(BUCKET));
                Path rcloneConf = work.resolve("rclone.conf");
                Files.writeString(rcloneConf, String.join("\n", "[bench]", "type = s3", "provider = Other",
                        "endpoint = " + server.endpoint(), "force_path_style = true", "region = us-east-1",
                        "access_key_id = " + server.accessKey(), "secret_access_key = " + server.secretKey(), ""));
                Rclone rclone = new Rclone(rcloneConf, work.resolve("rclone.log"));
                if (big) {
                    bigFile(server, sync, rclone);
                }
                if (small) {
                    smallFiles(server, sync, rclone);
                }
            }
        }
    }

    /** Result key: {@code base} for S3Proxy (the targets compare those), {@code base.rgw...} for RGW. */
    private static String resultKey(BenchServer server, String section, String name) {
        return server.key().equals("s3proxy") ? section + "." + name : section + "." + server.key() + "." + name;
    }

    // ------------------------------------------------------------------ 1. one large file

    private void bigFile(BenchServer server, S3Client sync, Rclone rclone) throws Exception {
        long size = o.bigMiB() * Bench.MIB;
        Path src = work.resolve("big-src");
        Path file = src.resolve("big.bin");
        Bench.writeRandom(file, size, 42);
        int t = o.s3Threads();
        long range = o.s3RangeMiB() * Bench.MIB;
        int rc = o.rcloneConcurrency();
        String chunk = o.rcloneChunkMiB() + "M";
        Map<String, Runnable> contenders = new LinkedHashMap<>();
        Map<String, List<Double>> mibs = new LinkedHashMap<>();
        Map<String, List<String>> loads = new LinkedHashMap<>();
        Map<String, List<Double>> clientCpu = new LinkedHashMap<>();
        Map<String, List<Double>> serverCpu = new LinkedHashMap<>();
        try (S3Transport defaultTransport = transport(server, t);
             ParallelFileMover defaultMover = ParallelFileMover.builder(defaultTransport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(t).rangeSize(range).build()).build();
             S3Transport transport = S3Transport.create(defaultTransport.config().toBuilder()
                     .directMultipartCommit(false).build());
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(t).rangeSize(range).build()).build();
             S3Transport signedTransport = S3Transport.create(defaultTransport.config().toBuilder()
                     .payloadSigning(PayloadSigning.SIGNED).build());
             ParallelFileMover signedMover = ParallelFileMover.builder(signedTransport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(t).rangeSize(range).build()).build();
             S3Transport md5Transport = S3Transport.create(md5Config(defaultTransport.config()));
             ParallelFileMover md5Mover = ParallelFileMover.builder(md5Transport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(t).rangeSize(range).build()).build();
             S3AsyncClient async = S3Clients.async(server.endpoint(), server.accessKey(),
                     server.secretKey(), o.tmConcurrency(), range);
             S3TransferManager tm = S3TransferManager.builder().s3Client(async).build()) {
            defaultMover.start();
            mover.start();
            signedMover.start();
            md5Mover.start();
            String defaultName = String.format("migrate mover (%d threads x %d MiB ranges), **default settings** "
                    + "(checksum %s, %s, %s commit)", t, o.s3RangeMiB(), defaultTransport.checksumMode(),
                    defaultTransport.checksumMode() == ChecksumMode.SHA256 ? "the body signed whole"
                            : defaultTransport.unsignedPayload() ? "unsigned payload" : "signed payload",
                    defaultTransport.config().directMultipartCommit() ? "direct" : "copy");
            String moverName = "migrate mover, same, temp key + copy commit";
            String md5Name = "migrate mover, same, `checksumMode(MD5)` (Content-MD5, unsigned payload)";
            String signedName = "migrate mover, same, `payloadSigning(SIGNED)` (SHA-256 of every byte)";
            String rcloneName = String.format("rclone copyto (upload-concurrency %d, chunk %s, cutoff %s)", rc, chunk,
                    chunk);
            String rcloneNoSum = "rclone, same + --s3-disable-checksum";
            String tmName = String.format("S3TransferManager (Netty, %d conns, %d MiB parts)", o.tmConcurrency(),
                    o.s3RangeMiB());
            String putName = "one PutObject (Apache client)";
            List<String> ours = List.of(defaultName, moverName, signedName, md5Name);
            Map<String, ParallelFileMover> movers = Map.of(defaultName, defaultMover, moverName, mover, signedName,
                    signedMover, md5Name, md5Mover);
            for (String name : List.of(defaultName, moverName, signedName, md5Name, rcloneName, rcloneNoSum, tmName,
                    putName)) {
                mibs.put(name, new ArrayList<>());
                loads.put(name, new ArrayList<>());
                clientCpu.put(name, new ArrayList<>());
                serverCpu.put(name, new ArrayList<>());
            }
            List<String> names = new ArrayList<>(mibs.keySet());
            // A backend's JVM is warm; this one is not. One unmeasured move per mover mode
            // compiles the hot paths first (rclone and the SDK peers need no warm-up of ours).
            for (ParallelFileMover m : movers.values()) {
                TaskResult warm = m.move(MigrationTask.builder().sourceRoot(src.toString())
                        .addFile("big.bin", "warm-up/big.bin").build(), new TestExecutionContext("bench"));
                if (warm.outcome() != TaskOutcome.SUCCEEDED) {
                    throw new IllegalStateException("warm-up failed: " + warm);
                }
                server.deletePrefix(sync, BUCKET, "warm-up/");
            }
            for (int round = 0; round < o.runs(); round++) {
                for (int i = 0; i < names.size(); i++) {
                    String who = names.get((i + round) % names.size());
                    String prefix = "big-" + round + "-" + i;
                    String key = prefix + "/big.bin";
                    String load = Bench.load();
                    long cpu0 = Bench.processCpuNanos();
                    double server0 = server.cpuMillis();
                    double childCpu = 0;
                    long t0 = System.nanoTime();
                    if (ours.contains(who)) {
                        TaskResult r = movers.get(who).move(MigrationTask.builder().sourceRoot(src.toString())
                                .addFile("big.bin", key).build(), new TestExecutionContext("bench"));
                        if (r.outcome() != TaskOutcome.SUCCEEDED) {
                            throw new IllegalStateException("mover failed: " + r);
                        }
                    } else if (who.equals(rcloneName) || who.equals(rcloneNoSum)) {
                        List<String> args = new ArrayList<>(List.of("copyto", file.toString(),
                                "bench:" + BUCKET + "/" + key, "--s3-upload-concurrency", Integer.toString(rc),
                                "--s3-chunk-size", chunk, "--s3-upload-cutoff", chunk));
                        if (who.equals(rcloneNoSum)) {
                            args.add("--s3-disable-checksum");
                        }
                        childCpu = rclone.run(args);
                    } else if (who.equals(tmName)) {
                        tm.uploadFile(u -> u.source(file).putObjectRequest(p -> p.bucket(BUCKET).key(key)))
                                .completionFuture().join();
                    } else {
                        sync.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromFile(file));
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    double gib = size / (double) Bench.GIB;
                    clientCpu.get(who).add(((Bench.processCpuNanos() - cpu0) / 1e6 + childCpu) / 1e3 / gib);
                    serverCpu.get(who).add((server.cpuMillis() - server0) / 1e3 / gib);
                    long stored = sync.headObject(b -> b.bucket(BUCKET).key(key)).contentLength();
                    if (stored != size) {
                        throw new IllegalStateException(who + " stored " + stored + " of " + size + " bytes");
                    }
                    server.deletePrefix(sync, BUCKET, prefix + "/");
                    double rate = size / (double) Bench.MIB / secs;
                    mibs.get(who).add(rate);
                    loads.get(who).add(load);
                    Harness.log("1 GiB->%s round %d %-60s %6.2f s %7.1f MiB/s, CPU s/GiB client %.2f server %.2f"
                            + " (load %s)", server.key(), round + 1, who, secs, rate, last(clientCpu.get(who)),
                            last(serverCpu.get(who)), load);
                }
            }
            report.h2(String.format("1. One %d MiB file → local S3 (%s)", o.bigMiB(), server.title()));
            report.p("Same source file, same server process, same run; contenders rotate within each round. "
                    + "Median of " + o.runs() + " runs after one unmeasured warm-up move per mover mode; ratio = "
                    + "this row's median / the best peer's median. "
                    + "Ratio to one PutObject = this row's median / that row's. "
                    + "CPU: seconds per GiB, median, of the client (the harness JVM, or rclone) and of the "
                    + "server's processes: on a shared machine the least load-dependent numbers.");
            double bestPeer = 0;
            for (String n : names) {
                if (!ours.contains(n)) {
                    bestPeer = Math.max(bestPeer, Bench.median(mibs.get(n)));
                }
            }
            double onePut = Bench.median(mibs.get(putName));
            report.row("contender", "median MiB/s", "vs best peer", "vs one PutObject", "runs MiB/s", "CPU s/GiB client",
                    "CPU s/GiB server", "load avg at start");
            for (String n : names) {
                double m = Bench.median(mibs.get(n));
                report.row(n, String.format("%.1f", m), String.format("%.2fx", m / bestPeer),
                        String.format("%.2fx", m / onePut),
                        Bench.list(mibs.get(n)), String.format("%.2f", Bench.median(clientCpu.get(n))),
                        String.format("%.2f", Bench.median(serverCpu.get(n))), String.join(", ", loads.get(n)));
            }
            report.endTable();
            // the library's best mode
            report.result(resultKey(server, "s3big", "mover"),
                    ours.stream().mapToDouble(n -> Bench.median(mibs.get(n))).max().orElseThrow());
            report.result(resultKey(server, "s3big", "bestPeer"), bestPeer);
            report.result(resultKey(server, "s3big", "default"), Bench.median(mibs.get(defaultName)));
            report.result(resultKey(server, "s3big", "onePut"), onePut);
        }
    }

    // ------------------------------------------------------------------ 2. many small files

    private void smallFiles(BenchServer server, S3Client sync, Rclone rclone) throws Exception {
        int count = o.smallCount();
        long size = 64 * Bench.KIB;
        Path src = work.resolve("small-src");
        Trees.deleteTree(src); // rclone copies the whole directory: no files of an earlier, larger run
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = String.format("d%02d/f%05d.bin", i % 50, i);
            names.add(name);
            Bench.writeRandom(src.resolve(name), size, i);
        }
        int t = o.smallThreads();
        int transfers = o.rcloneTransfers();
        String moverName = String.format("migrate mover (%d threads, %d tasks of 500 files, %d at once), default "
                + "settings", t, (count + 499) / 500, o.smallCallers());
        String signedName = "migrate mover, same + `payloadSigning(SIGNED)` (SHA-256 of every byte)";
        String rcloneName = String.format("rclone copy --transfers %d --checkers %d", transfers, transfers);
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<String>> loads = new LinkedHashMap<>();
        Map<String, List<Double>> clientCpu = new LinkedHashMap<>();
        Map<String, List<Double>> serverCpu = new LinkedHashMap<>();
        for (String n : List.of(moverName, signedName, rcloneName)) {
            rates.put(n, new ArrayList<>());
            loads.put(n, new ArrayList<>());
            clientCpu.put(n, new ArrayList<>());
            serverCpu.put(n, new ArrayList<>());
        }
        List<String> order = new ArrayList<>(rates.keySet());
        ExecutorService callers = Executors.newFixedThreadPool(o.smallCallers());
        try (S3Transport transport = transport(server, t);
             ParallelFileMover mover = ParallelFileMover.builder(transport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(t).build()).build();
             S3Transport signedTransport = S3Transport.create(transport.config().toBuilder()
                     .payloadSigning(PayloadSigning.SIGNED).build());
             ParallelFileMover signedMover = ParallelFileMover.builder(signedTransport).config(MoverConfig.builder()
                     .allowSourceRoot(src).threads(t).build()).build()) {
            mover.start();
            signedMover.start();
            Map<String, ParallelFileMover> movers = Map.of(moverName, mover, signedName, signedMover);
            // Unmeasured warm-up: a backend's JVM is warm, this one is not. perf showed the JIT
            // compiler threads at 30% of this JVM's CPU even after 2,000 files (the S3 client's
            // request path is large), so every file once, by each mover.
            for (ParallelFileMover m : movers.values()) {
                moveAll(m, names, "warm-up", callers, src);
                server.deletePrefix(sync, BUCKET, "warm-up/");
            }
            for (int round = 0; round < o.smallRuns(); round++) {
                for (int i = 0; i < order.size(); i++) {
                    String who = order.get((i + round) % order.size());
                    String prefix = "small-" + round + "-" + i;
                    String load = Bench.load();
                    long cpu0 = Bench.processCpuNanos();
                    double server0 = server.cpuMillis();
                    double childCpu = 0;
                    long t0 = System.nanoTime();
                    if (movers.containsKey(who)) {
                        moveAll(movers.get(who), names, prefix, callers, src);
                    } else {
                        childCpu = rclone.run(List.of("copy", src.toString(), "bench:" + BUCKET + "/" + prefix, "--transfers",
                                Integer.toString(transfers), "--checkers", Integer.toString(transfers)));
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    clientCpu.get(who).add(((Bench.processCpuNanos() - cpu0) / 1e6 + childCpu) * 1000 / count);
                    serverCpu.get(who).add((server.cpuMillis() - server0) * 1000 / count);
                    long stored = countObjects(sync, prefix + "/");
                    if (stored != count) {
                        throw new IllegalStateException(who + " stored " + stored + " of " + count + " objects");
                    }
                    server.deletePrefix(sync, BUCKET, prefix + "/");
                    double rate = count / secs;
                    rates.get(who).add(rate);
                    loads.get(who).add(load);
                    Harness.log("64 KiB files->%s round %d %-60s %6.2f s %7.1f files/s, CPU ms/1000 files client %.0f"
                            + " server %.0f (load %s)", server.key(), round + 1, who, secs, rate, last(clientCpu.get(who)),
                            last(serverCpu.get(who)), load);
                }
            }
        } finally {
            callers.shutdownNow();
        }
        report.h2(String.format("2. %,d × 64 KiB files → local S3 (%s)", count, server.title()));
        report.p("Same source tree (50 directories), same server, same run; contenders alternate. Median of "
                + o.smallRuns() + " run(s), after an unmeasured warm-up of each mover (the same files once). CPU: "
                + "milliseconds per 1,000 files of the client (the harness JVM, or rclone) and of the server's processes.");
        double peer = Bench.median(rates.get(rcloneName));
        report.row("contender", "median files/s", "vs rclone", "runs files/s", "CPU ms/1,000 files client",
                "CPU ms/1,000 files server", "load avg at start");
        for (String n : order) {
            double m = Bench.median(rates.get(n));
            report.row(n, String.format("%.0f", m), String.format("%.2fx", m / peer), Bench.list(rates.get(n)),
                    String.format("%.0f", Bench.median(clientCpu.get(n))),
                    String.format("%.0f", Bench.median(serverCpu.get(n))), String.join(", ", loads.get(n)));
        }
        report.endTable();
        report.result(resultKey(server, "s3small", "mover"), Math.max(Bench.median(rates.get(moverName)),
                Bench.median(rates.get(signedName))));
        report.result(resultKey(server, "s3small", "rclone"), peer);
    }

    /** Moves every file of {@code names} to {@code prefix/} in tasks of 500, {@code callers} at a time. */
    private static void moveAll(ParallelFileMover mover, List<String> names, String prefix, ExecutorService callers,
            Path src) throws Exception {
        List<Future<TaskResult>> results = new ArrayList<>();
        for (int from = 0; from < names.size(); from += 500) {
            MigrationTask.Builder b = MigrationTask.builder().sourceRoot(src.toString());
            for (String n : names.subList(from, Math.min(names.size(), from + 500))) {
                b.addFile(n, prefix + "/" + n);
            }
            MigrationTask task = b.build();
            results.add(callers.submit(() -> mover.move(task, new TestExecutionContext("bench"))));
        }
        for (Future<TaskResult> f : results) {
            TaskResult r = f.get();
            if (r.outcome() != TaskOutcome.SUCCEEDED) {
                throw new IllegalStateException("mover failed: " + r.outcome());
            }
        }
    }

    private static double last(List<Double> values) {
        return values.get(values.size() - 1);
    }

    private static long countObjects(S3Client sync, String prefix) {
        return sync.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(BUCKET).prefix(prefix).build())
                .contents().stream().count();
    }

    /**
     * The MD5 row's configuration: what {@code AUTO} chose on RGW before SHA256, Content-MD5 with
     * unsigned payloads. The payload signing must be said: with a checksum mode set explicitly,
     * {@code PayloadSigning.AUTO} keeps payloads signed (a SHA-256 of every byte on top of the MD5).
     *
     * @param defaults the default row's configuration
     * @return the same with {@code Content-MD5} and unsigned payloads
     */
    static S3TransportConfig md5Config(S3TransportConfig defaults) {
        return defaults.toBuilder().checksumMode(ChecksumMode.MD5).payloadSigning(PayloadSigning.UNSIGNED).build();
    }

    private S3Transport transport(BenchServer server, int sessions) {
        return S3Transport.create(S3TransportConfig.builder().endpoint(server.endpoint()).bucket(BUCKET)
                .credentials(server.accessKey(), server.secretKey()).sessionsPerEndpoint(sessions)
                .staleUploadSweepInterval(Duration.ZERO).build());
    }

    /** rclone with the harness's config file; every call's output goes to one log. */
    private record Rclone(Path config, Path log) {
        /** @return the CPU milliseconds rclone used */
        double run(List<String> args) throws IOException, InterruptedException {
            Path stat = config.resolveSibling("rclone.stat");
            // the shell writes its stat after waiting for rclone: its children's CPU is rclone's
            List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                    "rclone \"$@\"; rc=$?; cat /proc/$$/stat > \"$STATFILE\"; exit $rc", "sh",
                    "--config", config.toString()));
            cmd.addAll(args);
            int rc = Bench.run(cmd, log, Map.of("STATFILE", stat.toString()), 1800);
            if (rc != 0) {
                throw new IllegalStateException("rclone exited " + rc + "; see " + log);
            }
            return Bench.cpuMillisOf(Files.readString(stat), true);
        }
    }
}
