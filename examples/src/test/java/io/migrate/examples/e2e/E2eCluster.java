package io.migrate.examples.e2e;

import io.migrate.examples.MigrateCli;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskSubmitter;
import io.migrate.testing.ChildJvm;
import io.migrate.testing.NodeFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One scenario's cluster of real processes on one task root: manager and backend node processes
 * ({@code migrate node --config FILE} in child JVMs), an S3 bucket behind two S3Proxy endpoints
 * over one store, each reached through a {@link FaultProxy}, a Kafka topic of its own on the
 * shared broker, and ZooKeeper (or static) leadership. The test JVM plays the storage platform:
 * it writes source files and submits tasks straight to the task root.
 *
 * <p>Node configs use short ticks and leases so crashes are detected within seconds.
 * Not thread-safe except {@link #kill}/{@link #restart}, which one chaos thread may call while
 * the test thread waits.
 */
final class E2eCluster implements AutoCloseable {
    static final String BUCKET = "e2e";

    /** Where the backends write. */
    enum Target {
        /** The bucket behind the two S3Proxy endpoints. */
        S3,
        /** A directory ({@link #dst}) through the POSIX transport. */
        POSIX
    }

    /** How leadership is decided. */
    enum Ha {
        /** ZooKeeper leader latch and ephemeral-node membership. */
        ZOOKEEPER,
        /** Static HA where every manager names itself leader (split brain); heartbeat-file membership. */
        STATIC_EVERY_MANAGER_LEADS
    }

    final String name;
    final Path dir;
    final Path src;
    final Path root;
    final Path logs;
    /** The POSIX destination directory (written only with {@link Target#POSIX}). */
    final Path dst;
    final Target target;
    final String topic;
    final SharedServers servers;
    final DirectoryTaskStore store;
    final TaskSubmitter submitter;
    final UploadTracker uploads = new UploadTracker();
    final List<String> managers = new ArrayList<>();
    final List<String> backends = new ArrayList<>();
    private final Ha ha;
    private final Map<String, Path> configs = new LinkedHashMap<>();
    private final Map<String, ChildJvm> processes = new LinkedHashMap<>();
    private final Map<String, Integer> incarnations = new LinkedHashMap<>();
    private final List<ChildJvm> dead = new ArrayList<>(); // killed processes, kept for their output
    private final Map<String, String> extra;
    /** Where each node process sees the task root (one mount of a shared filesystem per host). */
    private final Function<String, Path> rootOf;
    private EmbeddedS3 s3a;
    private EmbeddedS3 s3b;
    final FaultProxy proxyA;
    final FaultProxy proxyB;
    private S3Client client;
    private int kills;
    private int pauses;
    private final List<String> backendJvmArgs = new ArrayList<>();

    private E2eCluster(String name, Path dir, SharedServers servers, Ha ha, Target target, Map<String, String> extra,
            Path root, Function<String, Path> rootOf) throws Exception {
        this.name = name;
        this.target = target;
        this.dst = dir.resolve("dst");
        this.dir = dir;
        this.servers = servers;
        this.ha = ha;
        this.extra = extra;
        this.src = Files.createDirectories(dir.resolve("src"));
        this.root = Files.createDirectories(root);
        this.rootOf = rootOf;
        this.logs = Files.createDirectories(dir.resolve("logs"));
        this.s3a = EmbeddedS3.startFilesystem(dir.resolve("s3"), BUCKET);
        this.s3b = EmbeddedS3.startSharing(s3a);
        this.proxyA = FaultProxy.start(s3a.endpoint());
        this.proxyB = FaultProxy.start(s3b.endpoint());
        proxyA.observe(uploads);
        proxyB.observe(uploads);
        this.topic = "e2e-" + name + "-" + Long.toHexString(new Random().nextLong());
        servers.kafka.createTopic(topic, 1);
        this.store = DirectoryTaskStore.builder().root(root).build();
        this.submitter = TaskSubmitter.builder().store(store).build();
    }

    /**
     * Creates the servers and configs; no node runs yet.
     *
     * @param name scenario name (ZooKeeper path, topic, log names)
     * @param dir a fresh directory
     * @param servers the shared ZooKeeper and Kafka
     * @param ha how leadership is decided
     * @param managerCount manager processes ({@code manager-1..})
     * @param backendCount backend processes ({@code backend-1..})
     * @param extra config keys added to (or replacing) every node's defaults
     * @return the cluster
     * @throws Exception if a server cannot start
     */
    static E2eCluster create(String name, Path dir, SharedServers servers, Ha ha, int managerCount, int backendCount,
            Map<String, String> extra) throws Exception {
        return create(name, dir, servers, ha, Target.S3, managerCount, backendCount, extra);
    }

    /**
     * {@link #create(String, Path, SharedServers, Ha, int, int, Map)} with a choice of destination.
     *
     * @param target where the backends write
     */
    static E2eCluster create(String name, Path dir, SharedServers servers, Ha ha, Target target, int managerCount,
            int backendCount, Map<String, String> extra) throws Exception {
        Path root = dir.resolve("root");
        return create(name, dir, servers, ha, target, managerCount, backendCount, extra, root, node -> root);
    }

    /**
     * {@link #create(String, Path, SharedServers, Ha, Target, int, int, Map)} on a task root that
     * each node reaches through a mount of its own (a shared filesystem seen by several clients).
     *
     * @param root the task root as this JVM sees it (the submitter, the status checks)
     * @param rootOf the task root as a node process sees it, by node id (the same directory)
     */
    static E2eCluster create(String name, Path dir, SharedServers servers, Ha ha, Target target, int managerCount,
            int backendCount, Map<String, String> extra, Path root, Function<String, Path> rootOf) throws Exception {
        E2eCluster c = new E2eCluster(name, dir, servers, ha, target, extra, root, rootOf);
        System.out.println("E2E " + name + ": cluster in " + dir);
        for (int i = 1; i <= managerCount; i++) {
            c.managers.add("manager-" + i);
        }
        for (int i = 1; i <= backendCount; i++) {
            c.backends.add("backend-" + i);
        }
        for (String m : c.managers) {
            c.configs.put(m, c.writeConfig(m, false));
        }
        for (String b : c.backends) {
            c.configs.put(b, c.writeConfig(b, true));
        }
        return c;
    }

    private Path writeConfig(String node, boolean backend) throws IOException {
        NodeFixture p = NodeFixture.builder(node).roles(backend ? "backend" : "manager").root(rootOf.apply(node))
                .ticks(Duration.ofMillis(200), Duration.ofSeconds(1));
        p.set("task.maxAttempts", "5");
        p.set("reclaim.nodeLease", "3s");
        p.set("reclaim.grace", "3s");
        p.set("reclaim.taskTimeout", "60s");
        p.set("reclaim.rebalanceCooldown", "10s");
        p.set("reclaim.maxReassignments", "50");
        p.set("worker.concurrency", "3");
        p.set("worker.heartbeatInterval", "200ms");
        p.set("worker.leaseRenewInterval", "1s");
        p.set("worker.retryBackoff", "500ms");
        p.set("worker.maxRetryBackoff", "2s");
        p.set("worker.shutdownTimeout", "5s");
        // A killed backend's committed results are published by the others after this.
        p.set("outbox.takeoverAfter", "3s");
        if (backend) {
            p.sources(src);
            p.set("mover.threads", "6");
            p.set("mover.rangeSize", "1MiB");
            p.set("mover.maxInFlightBytes", "16MiB");
            p.set("mover.initialBackoff", "100ms");
            p.set("mover.maxBackoff", "1s");
            p.set("mover.healthCheckInterval", "500ms");
            p.set("mover.endpointWait", "30s");
            p.set("mover.cancelTimeout", "5s");
        }
        if (backend && target == Target.POSIX) {
            Files.createDirectories(dst);
            p.posixTarget(dst);
            p.set("transport.posix.fsync", "false");
        } else if (backend) {
            p.set("transport.type", "s3");
            p.set("transport.s3.endpoints", proxyA.endpoint() + "," + proxyB.endpoint());
            p.set("transport.s3.bucket", BUCKET);
            p.set("transport.s3.accessKey", EmbeddedS3.ACCESS_KEY);
            p.set("transport.s3.secretKey", EmbeddedS3.SECRET_KEY);
            p.set("transport.s3.connectTimeout", "1s");
            p.set("transport.s3.socketTimeout", "15s");
            p.set("transport.s3.apiCallAttemptTimeout", "20s");
            p.set("transport.s3.sessionsPerEndpoint", "6");
            // Temp objects of SIGKILLed attempts are cleaned by the sweeper: make it quick here
            // (older than any live attempt of these small tasks).
            p.set("transport.s3.staleUploadAge", "20s");
            p.set("transport.s3.staleUploadSweepInterval", "2s");
        }
        if (backend) {
            p.set("publisher.type", "kafka");
            p.set("publisher.kafka.bootstrapServers", servers.kafka.bootstrapServers());
            p.set("publisher.kafka.topic", topic);
            p.set("publisher.kafka.deliveryTimeout", "10s");
            p.set("publisher.kafka.requestTimeout", "5s");
            p.set("publisher.kafka.maxBlock", "5s");
            p.set("publisher.kafka.closeTimeout", "2s");
        }
        if (ha == Ha.ZOOKEEPER) {
            Map<String, String> zk = new LinkedHashMap<>();
            zk.put("ha.type", "zookeeper");
            zk.put("ha.zookeeper.connect", servers.zookeeperConnect());
            zk.put("ha.zookeeper.sessionTimeout", "3s");
            zk.put("ha.zookeeper.connectionTimeout", "2s");
            zk.put("ha.zookeeper.revalidateTimeout", "2s");
            zk.put("ha.zookeeper.path", "/e2e-" + name);
            p.ha(zk);
        } else {
            p.leader(backend ? managers.get(0) : node);
            p.set("ha.heartbeat.nodeLease", "3s");
        }
        p.setAll(extra);
        return p.writeTo(dir.resolve(node + ".properties"));
    }

    /** Starts every node process. */
    void startAll() throws IOException {
        for (String n : configs.keySet()) {
            start(n);
        }
    }

    /**
     * Starts (or restarts after a kill) one node process.
     *
     * @param node node id
     */
    synchronized void start(String node) throws IOException {
        int inc = incarnations.merge(node, 1, Integer::sum);
        List<String> jvm = new ArrayList<>(List.of("-Xmx192m", "-Xss512k", "-Djava.io.tmpdir=" + dir));
        if (backends.contains(node)) {
            backendJvmArgs.forEach(a -> jvm.add(a.replace("{node}", node + "-" + inc)));
        }
        processes.put(node, ChildJvm.start(node + "-" + inc, logs, MigrateCli.class, jvm, "node", "--config",
                configs.get(node).toString()));
    }

    /**
     * Adds JVM arguments for the backend processes started from now on; {@code {node}} in them is
     * replaced by the node id and incarnation.
     */
    synchronized void backendJvmArgs(List<String> args) {
        backendJvmArgs.addAll(args);
    }

    /** @return whether the node's process is stopped (SIGSTOP), from {@code /proc/<pid>/stat} (Linux) */
    synchronized boolean isStopped(String node) {
        ChildJvm p = processes.get(node);
        if (p == null) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'T';
        } catch (IOException e) {
            return false; // gone
        }
    }

    /**
     * SIGKILLs one node process (no shutdown hook runs) and waits until it is gone.
     *
     * @param node node id
     */
    synchronized void kill(String node) throws InterruptedException {
        ChildJvm p = processes.remove(node);
        if (p != null) {
            p.kill();
            dead.add(p);
            kills++;
        }
    }

    /** SIGKILLs a node and starts it again at once. */
    synchronized void restart(String node) throws InterruptedException, IOException {
        kill(node);
        start(node);
    }

    /**
     * SIGSTOPs one node process: it keeps its sockets, files and threads and goes on where it
     * stopped when {@link #resume}d, like a long GC pause or a frozen VM.
     *
     * @param node node id
     * @return whether a running process was stopped
     */
    synchronized boolean pause(String node) throws InterruptedException, IOException {
        ChildJvm p = processes.get(node);
        if (p == null || !p.isAlive()) {
            return false;
        }
        signal(p, "STOP");
        pauses++;
        return true;
    }

    /** SIGCONTs a node process stopped by {@link #pause}. */
    synchronized void resume(String node) throws InterruptedException, IOException {
        ChildJvm p = processes.get(node);
        if (p != null) {
            signal(p, "CONT");
        }
    }

    private static void signal(ChildJvm p, String signal) throws InterruptedException, IOException {
        int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
        if (rc != 0 && p.isAlive()) {
            throw new IOException("kill -" + signal + " " + p + " exited with " + rc);
        }
    }

    /** @return the process ids of the node processes running now (for thread dumps) */
    synchronized List<Long> pids() {
        return processes.values().stream().filter(ChildJvm::isAlive).map(ChildJvm::pid).toList();
    }

    /** @return SIGSTOPs so far */
    synchronized int pauses() {
        return pauses;
    }

    /**
     * @param node a node id
     * @return whether the node's current process has committed a task since it started (its log
     *     says so): a restarted backend that did work
     */
    synchronized boolean didWork(String node) {
        return output(node).contains(" done: ");
    }

    /** @return SIGKILLs so far */
    synchronized int kills() {
        return kills;
    }

    /** @return whether the node's current process runs */
    synchronized boolean isAlive(String node) {
        ChildJvm p = processes.get(node);
        return p != null && p.isAlive();
    }

    /** @return whether a node process that was not killed has exited */
    synchronized boolean anyDied() {
        return processes.values().stream().anyMatch(p -> !p.isAlive());
    }

    /** @return the current process's output of a node */
    synchronized String output(String node) {
        try {
            ChildJvm p = processes.get(node);
            return p == null ? "" : p.output();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern EPOCH = Pattern.compile("Took leader epoch (\\d+)");

    /**
     * @return the manager whose running process took the highest leader epoch, or null if none
     *     has yet (the current leader, as far as the task root is concerned)
     */
    synchronized String leader() {
        String best = null;
        long bestEpoch = -1;
        for (String m : managers) {
            if (!isAlive(m)) {
                continue;
            }
            Matcher matcher = EPOCH.matcher(output(m));
            while (matcher.find()) {
                long e = Long.parseLong(matcher.group(1));
                if (e > bestEpoch) {
                    bestEpoch = e;
                    best = m;
                }
            }
        }
        return best;
    }

    /**
     * @param state a directory directly under the task root ({@code archive}, {@code done}, ...)
     * @return how many task files it holds now, in its time buckets (0 before it exists)
     */
    long count(String state) {
        long[] files = {0};
        try {
            // The nodes keep writing while this counts: a task renamed on, a bucket removed empty,
            // a node's write probe deleted between the listing and the look at it (CI saw the
            // last one). An entry gone by then is not counted; it is never an error.
            Files.walkFileTree(root.resolve(state), Set.of(), 3, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
                    if (a.isRegularFile() && p.getFileName().toString().endsWith(".json")) {
                        files[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files[0];
    }

    /**
     * @param needle a piece of a log line
     * @return how many lines of every node process's log (every incarnation) contain it
     */
    synchronized long countInLogs(String needle) {
        long n = 0;
        try (var files = Files.list(logs)) {
            for (Path f : files.toList()) {
                try (var lines = Files.lines(f, StandardCharsets.UTF_8)) {
                    n += lines.filter(l -> l.contains(needle)).count();
                } catch (UncheckedIOException e) {
                    // a line that is not UTF-8: count what could be read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    /** @return every node process's output joined, for failure messages */
    synchronized String allOutput() {
        StringBuilder sb = new StringBuilder();
        try {
            try (var files = Files.list(logs)) {
                for (Path f : files.sorted().toList()) {
                    String text = Files.readString(f);
                    sb.append("\n===== ").append(f.getFileName()).append(" (last 4000 chars)\n")
                            .append(text, Math.max(0, text.length() - 4000), text.length());
                }
            }
        } catch (IOException e) {
            sb.append("(cannot read logs: ").append(e).append(')');
        }
        return sb.toString();
    }

    /** Stops the second S3 endpoint (its proxy then refuses to forward: the endpoint is down). */
    void stopEndpointB() throws Exception {
        s3b.stop();
    }

    /** Starts the second endpoint again over the same store; its proxy forwards to it again. */
    void restartEndpointB() throws Exception {
        s3b = EmbeddedS3.startSharing(s3a);
        proxyB.retarget(s3b.endpoint());
    }

    /** @return a client of the bucket straight to the first S3Proxy (no fault proxy) */
    @SuppressWarnings("deprecation") // the same Apache client migrate-s3 uses
    synchronized S3Client s3() {
        if (client == null) {
            client = S3Client.builder().endpointOverride(s3a.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .httpClientBuilder(ApacheHttpClient.builder())
                    .build();
        }
        return client;
    }

    /**
     * Kills every node process and stops the proxies and S3 servers, trying all of them; the
     * first failure is rethrown afterwards, an interrupt is kept as the thread's flag.
     */
    @Override
    public synchronized void close() {
        List<Exception> failures = new ArrayList<>();
        for (ChildJvm p : processes.values()) {
            try {
                p.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<AutoCloseable> rest = new ArrayList<>();
        if (client != null) {
            rest.add(client);
        }
        rest.addAll(List.of(proxyA, proxyB, s3b, s3a));
        for (AutoCloseable r : rest) {
            try {
                r.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("closing the " + name + " cluster failed", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
