package io.migrate.ha.ctdb;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real CTDB cluster of local daemons on 127.0.0.1-3, as {@code test-infra.md} describes: Debian's
 * {@code ctdbd} in test mode ({@code CTDB_TEST_MODE=yes}, {@code CTDB_BASE=<dir>}), one directory
 * per node, a shared nodes file, an fcntl cluster lock, {@code leader timeout = 2} and
 * {@code ElectionTimeout=1} for fast elections. Each daemon runs in the foreground
 * ({@code ctdbd -i}) as a child process so a test can SIGKILL it.
 */
final class LocalCtdbCluster implements AutoCloseable {
    static final int NODES = 3;

    private final Path base;
    private final Process[] daemons = new Process[NODES];

    LocalCtdbCluster(Path base) {
        this.base = base;
    }

    /**
     * Starts a cluster in {@code base}, or aborts the calling test (JUnit assumption) where this
     * machine cannot run ctdbd, as {@code CtdbClusterIT} does.
     *
     * @param base a fresh directory
     * @return the healthy cluster; the caller closes it
     */
    static LocalCtdbCluster startedOrSkip(Path base) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(missingBinaries().isEmpty(),
                () -> "skipping the CTDB cluster test: " + missingBinaries().orElseThrow());
        LocalCtdbCluster cluster = new LocalCtdbCluster(base);
        try {
            Duration up = cluster.start();
            System.out.printf("CTDB 3 local daemons healthy after %d ms%n", up.toMillis());
            return cluster;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            cluster.close();
            if (e.getCause() instanceof DaemonCannotStart cannot) {
                org.junit.jupiter.api.Assumptions.abort("skipping the CTDB cluster test: ctdbd cannot run here: " + cannot.getMessage());
            }
            throw new AssertionError("CTDB cluster not healthy in time; node 0 log:\n" + cluster.log(0), e);
        } catch (DaemonCannotStart cannot) {
            cluster.close();
            org.junit.jupiter.api.Assumptions.abort("skipping the CTDB cluster test: ctdbd cannot run here: " + cannot.getMessage());
            throw cannot; // not reached
        }
    }

    /** @return why this machine cannot run the cluster, if it cannot */
    static Optional<String> missingBinaries() {
        if (find("ctdbd").isEmpty() || find("ctdb").isEmpty() || find("setsid").isEmpty()) {
            return Optional.of("ctdbd/ctdb not installed (Debian: apt-get install -y ctdb; .ci/run does it)");
        }
        return Optional.empty();
    }

    static Optional<Path> find(String binary) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin";
        return Stream.of(path.split(":")).filter(s -> !s.isEmpty()).map(d -> Path.of(d, binary))
                .filter(Files::isExecutable).findFirst();
    }

    Path dir(int node) {
        return base.resolve("node" + node);
    }

    /** Environment that points the ctdb client at one node's daemon. */
    Map<String, String> clientEnv(int node) {
        return Map.of("CTDB_SOCKET", dir(node).resolve("run/ctdbd.socket").toString(),
                "CTDB_BASE", dir(node).toString());
    }

    /**
     * Writes the configuration, starts the three daemons and waits until every node is healthy.
     *
     * @return the time to healthy
     * @throws DaemonCannotStart if a daemon exits during start-up (with its log)
     */
    Duration start() throws IOException, InterruptedException {
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add("127.0.0." + (i + 1));
        }
        for (int i = 0; i < NODES; i++) {
            Path d = dir(i);
            for (String sub : List.of("run", "var", "events/legacy", "db/volatile", "db/persistent", "db/state")) {
                Files.createDirectories(d.resolve(sub));
            }
            for (String f : List.of("functions", "notify.sh", "debug-hung-script.sh")) {
                Path src = Path.of("/etc/ctdb", f);
                if (Files.exists(src)) {
                    Files.copy(src, d.resolve(f));
                }
            }
            Files.write(d.resolve("nodes"), nodes);
            Files.writeString(d.resolve("ctdb.conf"), String.join("\n",
                    "[logging]",
                    "  location = file:" + d.resolve("log.ctdb"),
                    "  log level = NOTICE",
                    "[cluster]",
                    "  node address = 127.0.0." + (i + 1),
                    "  recovery lock = !/usr/libexec/ctdb/ctdb_mutex_fcntl_helper " + base.resolve("cluster.lock"),
                    "  leader timeout = 2",
                    "[database]",
                    "  volatile database directory = " + d.resolve("db/volatile"),
                    "  persistent database directory = " + d.resolve("db/persistent"),
                    "  state database directory = " + d.resolve("db/state"),
                    "[failover]",
                    "  disabled = true",
                    ""));
            Files.writeString(d.resolve("ctdb.tunables"), "ElectionTimeout=1\n");
        }
        // The daemons run in their own sessions and would outlive a crashed test JVM, keeping
        // their ports: kill them at JVM exit too (a SIGKILLed JVM still leaks them).
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "ctdb-fixture-cleanup"));
        long t0 = System.nanoTime();
        for (int i = 0; i < NODES; i++) {
            // setsid: ctdbd signals its whole process group when it exits, which would take the
            // test JVM (and Maven) with it. Not a group leader, setsid execs in place: same pid.
            ProcessBuilder pb = new ProcessBuilder(find("setsid").orElseThrow().toString(),
                    find("ctdbd").orElseThrow().toString(), "-i");
            pb.environment().put("CTDB_TEST_MODE", "yes");
            pb.environment().put("CTDB_BASE", dir(i).toString());
            pb.redirectErrorStream(true);
            pb.redirectOutput(dir(i).resolve("stderr.log").toFile());
            daemons[i] = pb.start();
        }
        ProcessCommandRunner client = new ProcessCommandRunner(find("ctdb").orElseThrow().toString(), clientEnv(0));
        await("3 healthy ctdb nodes").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            for (int i = 0; i < NODES; i++) {
                if (!daemons[i].isAlive()) {
                    throw new DaemonCannotStart("ctdbd of node " + i + " exited with " + daemons[i].exitValue()
                            + " during start-up:\n" + log(i));
                }
            }
            return client.run(List.of("-T", "2", "nodestatus", "all"), Duration.ofSeconds(3)).ok();
        });
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** SIGKILL of one node's ctdbd (its helpers notice their parent is gone and exit). */
    void kill(int node) throws InterruptedException {
        daemons[node].destroyForcibly();
        daemons[node].waitFor(10, TimeUnit.SECONDS);
    }

    String log(int node) {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("stderr.log", "log.ctdb")) {
            try {
                List<String> lines = Files.readAllLines(dir(node).resolve(f));
                sb.append("--- ").append(f).append('\n');
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("--- ").append(f).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            stopAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopAll() throws InterruptedException {
        for (int i = 0; i < NODES; i++) {
            Process p = daemons[i];
            if (p == null) {
                continue;
            }
            if (p.isAlive()) {
                new ProcessCommandRunner(find("ctdb").orElseThrow().toString(), clientEnv(i))
                        .run(List.of("-T", "5", "shutdown"), Duration.ofSeconds(6));
                p.waitFor(10, TimeUnit.SECONDS);
            }
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void killAll() {
        for (Process p : daemons) {
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    /** A daemon died while starting: the environment cannot run ctdbd. */
    static final class DaemonCannotStart extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DaemonCannotStart(String message) {
            super(message);
        }
    }
}
