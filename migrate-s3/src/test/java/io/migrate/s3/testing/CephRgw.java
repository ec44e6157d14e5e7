package io.migrate.s3.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * A real Ceph RADOS Gateway for tests and benchmarks: a second S3 server next to
 * {@link EmbeddedS3}, and not a gateway over a blob store but Ceph's own S3 implementation.
 *
 * <p>One node on 127.0.0.1: one monitor, one OSD on {@code memstore} (data in RAM, capped),
 * pools of size 1, no manager, and {@code radosgw} with the beast frontend on a free port; an
 * S3 user with {@link #ACCESS_KEY}/{@link #SECRET_KEY}. All state (config, keyring, monitor
 * store, logs, admin sockets) lives in one temporary directory that {@link #close()} removes.
 * Starting takes 20–40 s; {@link #shared()} starts one per JVM and stops it when the JVM exits.
 * If the JVM dies without running its shutdown hooks (SIGKILL, a fork timeout), a watchdog
 * shell started with the daemons kills them by PID once this JVM's PID is gone.
 *
 * <p>Needs the Debian packages {@code ceph-mon ceph-osd radosgw ceph-common} (Ceph 16.2.15 on
 * Debian 12); {@link #start} installs them with {@code apt-get} when they are missing and it
 * runs as root, else fails saying what to install. {@code .ci/run} installs them up front.
 *
 * <p>Thread-safe: every method may be called from any thread; {@link #close()} is idempotent.
 */
public final class CephRgw implements AutoCloseable {
    /** Access key of the S3 user. */
    public static final String ACCESS_KEY = "rgwtestaccesskey0001";
    /** Secret key of the S3 user. */
    public static final String SECRET_KEY = "rgwtestsecretkey00000000000000000000001";
    /** The Debian packages the fixture needs. */
    public static final List<String> PACKAGES = List.of("ceph-mon", "ceph-osd", "radosgw", "ceph-common");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static CephRgw shared;

    private final Path dir;
    private final Path conf;
    private final URI endpoint;
    private final List<Process> daemons = new ArrayList<>();
    private Process watchdog;
    private boolean closed;

    private CephRgw(Path dir, int rgwPort) {
        this.dir = dir;
        this.conf = dir.resolve("ceph.conf");
        this.endpoint = URI.create("http://127.0.0.1:" + rgwPort);
    }

    /**
     * The RGW of this JVM: started on first use (in a temporary directory, 4 GiB of memstore),
     * stopped by a shutdown hook.
     *
     * @return the running gateway
     * @throws IOException if it cannot be installed or started
     */
    public static synchronized CephRgw shared() throws IOException {
        if (shared == null) {
            CephRgw rgw = start(Files.createTempDirectory("migrate-rgw-"), 4L << 30);
            Runtime.getRuntime().addShutdownHook(new Thread(rgw::close, "migrate-rgw-stop"));
            shared = rgw;
        }
        return shared;
    }

    /**
     * Installs the packages if needed and starts a one-node cluster with its gateway.
     *
     * @param dir an empty directory for all state (removed by {@link #close()})
     * @param memstoreBytes cap of the OSD's in-memory store
     * @return the running gateway, with no bucket yet
     * @throws IOException if it cannot be installed or started (the logs' tails are in the message)
     */
    public static CephRgw start(Path dir, long memstoreBytes) throws IOException {
        installIfMissing();
        for (String d : List.of("log", "run", "mon.a", "osd.0", "rgw")) {
            Files.createDirectories(dir.resolve(d));
        }
        int[] ports = io.migrate.testing.FreePorts.distinct(3);
        int monV2 = ports[0];
        int monV1 = ports[1];
        int rgwPort = ports[2];
        CephRgw rgw = new CephRgw(dir, rgwPort);
        try {
            rgw.boot(monV2, monV1, rgwPort, memstoreBytes);
            return rgw;
        } catch (IOException | RuntimeException e) {
            String logs = rgw.logTails();
            rgw.close();
            throw new IOException("Ceph RGW did not start: " + e.getMessage() + logs, e);
        }
    }

    /**
     * Installs {@link #PACKAGES} with {@code apt-get} if {@code radosgw} is not on the PATH.
     *
     * @throws IOException if they are missing and this process is not root, or apt fails
     */
    public static void installIfMissing() throws IOException {
        if (onPath("radosgw") && onPath("ceph-mon") && onPath("ceph-osd") && onPath("radosgw-admin")) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IOException("Ceph RGW tests need the Debian packages " + String.join(" ", PACKAGES)
                    + ": install them (apt-get install --no-install-recommends ...) or run as root");
        }
        run(Duration.ofMinutes(5), "apt-get", "update", "-q");
        List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
        cmd.addAll(PACKAGES);
        run(Duration.ofMinutes(15), cmd.toArray(String[]::new));
    }

    private void boot(int monV2, int monV1, int rgwPort, long memstoreBytes) throws IOException {
        String fsid = UUID.randomUUID().toString();
        String d = dir.toString();
        Files.writeString(conf, String.join("\n",
                "[global]",
                "fsid = " + fsid,
                "mon host = [v2:127.0.0.1:" + monV2 + ",v1:127.0.0.1:" + monV1 + "]",
                "public addr = 127.0.0.1",
                "cluster addr = 127.0.0.1",
                "ms bind ipv6 = false",
                "auth cluster required = cephx",
                "auth service required = cephx",
                "auth client required = cephx",
                "keyring = " + d + "/keyring",
                "run dir = " + d + "/run",
                "admin socket = " + d + "/run/$name.asok",
                "log file = " + d + "/log/$name.log",
                "log to stderr = false",
                "err to stderr = true",
                "mon data = " + d + "/mon.$id",
                "osd data = " + d + "/osd.$id",
                "osd objectstore = memstore",
                "memstore device bytes = " + memstoreBytes,
                "osd pool default size = 1",
                "osd pool default min size = 1",
                "osd pool default pg num = 8",
                "osd pool default pgp num = 8",
                "osd pool default pg autoscale mode = off",
                "osd crush chooseleaf type = 0",
                "mon allow pool size one = true",
                "mon allow pool delete = true",
                "mon warn on pool no redundancy = false",
                "mon data avail warn = 1",
                "mon max pg per osd = 1000",
                "mon osd down out interval = 0",
                "osd op num shards = 1",
                "osd op num threads per shard = 2",
                "",
                "[mon]",
                "mon initial members = a",
                "mon cluster log file = " + d + "/log/cluster.log",
                "",
                "[client.rgw.a]",
                "rgw frontends = beast endpoint=127.0.0.1:" + rgwPort,
                "rgw data = " + d + "/rgw",
                "rgw thread pool size = 64",
                "rgw dns name = localhost",
                // quota tests need fresh bucket stats (default: cached for 600 s)
                "rgw bucket quota ttl = 0",
                "rgw user quota bucket sync interval = 1",
                "rgw user quota sync interval = 1",
                // deleted objects' data is freed by RGW's garbage collector: soon, memstore is RAM
                "rgw gc obj min wait = 10",
                "rgw gc processor period = 10",
                ""));
        String keyring = d + "/keyring";
        run(Duration.ofSeconds(30), "ceph-authtool", "--create-keyring", keyring, "--gen-key", "-n", "mon.",
                "--cap", "mon", "allow *");
        run(Duration.ofSeconds(30), "ceph-authtool", keyring, "--gen-key", "-n", "client.admin",
                "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *");
        run(Duration.ofSeconds(30), "ceph-authtool", keyring, "--gen-key", "-n", "osd.0",
                "--cap", "mon", "allow profile osd", "--cap", "mgr", "allow profile osd", "--cap", "osd", "allow *");
        run(Duration.ofSeconds(30), "ceph-authtool", keyring, "--gen-key", "-n", "client.rgw.a",
                "--cap", "mon", "allow rw", "--cap", "osd", "allow rwx", "--cap", "mgr", "allow rw");

        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        run(Duration.ofSeconds(30), "monmaptool", "--create", "--fsid", fsid, "--addv", "a",
                "[v2:127.0.0.1:" + monV2 + ",v1:127.0.0.1:" + monV1 + "]", d + "/monmap");
        run(Duration.ofSeconds(60), "ceph-mon", "-c", conf.toString(), "--mkfs", "-i", "a", "--monmap", d + "/monmap",
                "--keyring", keyring);
        daemon("mon.a", "ceph-mon", "-c", conf.toString(), "-i", "a", "-f");
        startWatchdog();
        awaitTrue("the monitor", deadline, () -> tryRun(Duration.ofSeconds(10), ceph("-s")));

        String osdUuid = UUID.randomUUID().toString();
        String id = run(Duration.ofSeconds(60), ceph("osd", "new", osdUuid)).trim();
        if (!"0".equals(id)) {
            throw new IOException("unexpected OSD id " + id);
        }
        run(Duration.ofSeconds(60), "ceph-osd", "-c", conf.toString(), "-i", "0", "--mkfs", "--osd-uuid", osdUuid);
        daemon("osd.0", "ceph-osd", "-c", conf.toString(), "-i", "0", "-f");
        restartWatchdog();
        awaitTrue("the OSD", deadline, () -> {
            try {
                return run(Duration.ofSeconds(10), ceph("osd", "stat")).contains("1 up");
            } catch (IOException e) {
                return false;
            }
        });

        daemon("rgw.a", "radosgw", "-c", conf.toString(), "-n", "client.rgw.a", "-f");
        restartWatchdog();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        awaitTrue("radosgw on " + endpoint, deadline, () -> {
            try {
                return http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
        radosgwAdmin("user", "create", "--uid=migrate", "--display-name=migrate test",
                "--access-key=" + ACCESS_KEY, "--secret-key=" + SECRET_KEY);
    }

    /** @return {@code http://127.0.0.1:PORT} */
    public URI endpoint() {
        return endpoint;
    }

    /** @return the process ids of the monitor, the OSD and the gateway (e.g. to read their CPU time) */
    public synchronized List<Long> pids() {
        return daemons.stream().map(Process::pid).toList();
    }

    /** @return the state directory (logs under {@code log/}) */
    public Path directory() {
        return dir;
    }

    /**
     * A plain SDK client for the S3 user, with the settings RGW 16 needs (path style, checksums
     * only when required).
     *
     * @return a new client; the caller closes it
     */
    public S3Client client() {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder())
                .build();
    }

    /**
     * Creates a bucket owned by the S3 user; one that exists already is kept.
     *
     * @param bucket the bucket name
     */
    public void createBucket(String bucket) {
        try (S3Client c = client()) {
            c.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // kept
        }
    }

    /**
     * Sets and enables a bucket quota (RGW answers {@code 403 QuotaExceeded} past it; bucket
     * statistics are not cached by this fixture's configuration).
     *
     * @param bucket the bucket
     * @param maxBytes the most bytes the bucket may hold
     * @throws IOException if {@code radosgw-admin} fails
     */
    public void setBucketQuota(String bucket, long maxBytes) throws IOException {
        radosgwAdmin("quota", "set", "--quota-scope=bucket", "--bucket=" + bucket, "--max-size=" + maxBytes);
        radosgwAdmin("quota", "enable", "--quota-scope=bucket", "--bucket=" + bucket);
    }

    /**
     * Runs {@code radosgw-admin} as the cluster's admin.
     *
     * @param args its arguments
     * @return its standard output
     * @throws IOException if it fails
     */
    public String radosgwAdmin(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("radosgw-admin", "-c", conf.toString(), "-n", "client.admin"));
        cmd.addAll(List.of(args));
        return run(Duration.ofSeconds(60), cmd.toArray(String[]::new));
    }

    /** @return the version line of the installed Ceph, e.g. {@code ceph version 16.2.15 (...) pacific (stable)} */
    public static String version() {
        try {
            return run(Duration.ofSeconds(30), "ceph", "--version").trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Stops the gateway, the OSD and the monitor (newest first), then removes the state. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (watchdog != null) {
            watchdog.destroyForcibly();
        }
        deleteTree(dir);
    }

    @Override
    public String toString() {
        return "CephRgw[" + endpoint + ", " + dir + "]";
    }

    // ---------------------------------------------------------------- plumbing

    private synchronized void daemon(String name, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile()).start();
        daemons.add(p);
    }

    /**
     * A shell that kills the daemons by PID when this JVM is gone, for the deaths that run no
     * shutdown hook. Replaced each time a daemon is added; stopped by {@link #close()}.
     */
    private synchronized void startWatchdog() throws IOException {
        StringBuilder pids = new StringBuilder();
        for (Process p : daemons) {
            pids.append(' ').append(p.pid());
        }
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null; do sleep 2; done; "
                + "kill" + pids + " 2>/dev/null; sleep 5; kill -9" + pids + " 2>/dev/null; rm -rf '" + dir + "'";
        watchdog = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private synchronized void restartWatchdog() throws IOException {
        watchdog.destroyForcibly();
        startWatchdog();
    }

    private String[] ceph(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ceph", "-c", conf.toString(), "--connect-timeout", "10"));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    private static void awaitTrue(String what, long deadlineNanos, BooleanSupplier ready) throws IOException {
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos) {
                throw new IOException(what + " not ready within " + START_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(250); // polling a child process, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + what, e);
            }
        }
    }

    private boolean tryRun(Duration timeout, String... cmd) {
        try {
            run(timeout, cmd);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a command to its end; its standard output, or an exception with its output. */
    private static String run(Duration timeout, String... cmd) throws IOException {
        Path out = Files.createTempFile("migrate-rgw-cmd", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + cmd[0], e);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (!done) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + timeout.toSeconds() + " s: " + text);
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(":")) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    private String logTails() {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> logs = Files.list(dir.resolve("log"))) {
            for (Path p : logs.sorted().toList()) {
                List<String> lines = Files.readAllLines(p, StandardCharsets.ISO_8859_1);
                b.append("\n--- ").append(p.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> b.append(l).append('\n'));
            }
        } catch (IOException | UncheckedIOException e) {
            b.append("\n(no logs: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a temporary directory
        }
    }
}
