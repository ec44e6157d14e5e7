package io.migrate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A one-host CephFS mounted twice through {@code ceph-fuse} ({@code migrate-core/src/test/cephfs/cephfs.sh}):
 * two independent clients, as two hosts would be. Needs root (FUSE mounts; the script installs
 * the Debian packages if missing). Used by the Maven profile {@code cephfs} only: {@code CephFsIT}
 * in {@code migrate-core} and {@code CephFsE2eIT} in {@code examples}. The script binds fixed mon
 * ports (13340/16840), so one fixture runs at a time on a machine.
 *
 * <p>Not thread-safe: one test thread starts and closes it. Shared through the {@code migrate-core}
 * test-jar.
 */
public final class CephFsFixture implements AutoCloseable {
    private final Path script;
    private final Path state;
    private final Path mountA;
    private final Path mountB;
    private final String mdsTick;

    private CephFsFixture(Path script, Path state, String mdsTick) {
        this.script = script;
        this.state = state;
        this.mountA = Path.of(state + "-mnt", "a");
        this.mountB = Path.of(state + "-mnt", "b");
        this.mdsTick = mdsTick;
    }

    /**
     * Starts the cluster in {@code -Dmigrate.cephfs.dir} (default {@code /tmp/migrate-cephfs-it})
     * and mounts it twice (about 15 s).
     *
     * @param mdsTick the MDS tick interval in seconds ({@code 5} is Ceph's default)
     * @return the running fixture
     */
    public static CephFsFixture start(String mdsTick) throws IOException, InterruptedException {
        return start(mdsTick, Path.of(System.getProperty("migrate.cephfs.dir", "/tmp/migrate-cephfs-it")));
    }

    /**
     * Starts the cluster with its state in {@code state} (mounts in {@code state-mnt/a} and
     * {@code state-mnt/b}) and mounts it twice.
     *
     * @param mdsTick the MDS tick interval in seconds ({@code 5} is Ceph's default)
     * @param state the fixture's state directory (wiped)
     * @return the running fixture
     */
    public static CephFsFixture start(String mdsTick, Path state) throws IOException, InterruptedException {
        CephFsFixture f = new CephFsFixture(script(), state, mdsTick);
        f.run("stop", Duration.ofMinutes(1)); // a previous run killed before its close
        f.run("start", Duration.ofMinutes(6)); // includes apt-get when the packages are missing
        return f;
    }

    /** The script, from {@code migrate-core} itself or from a sibling module of the reactor. */
    private static Path script() {
        for (Path p : new Path[] {Path.of("src/test/cephfs/cephfs.sh"), Path.of("../migrate-core/src/test/cephfs/cephfs.sh")}) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("migrate-core/src/test/cephfs/cephfs.sh not found from " + Path.of("").toAbsolutePath());
    }

    /** @return the mount of client {@code n1} (one host) */
    public Path mountA() {
        return mountA;
    }

    /** @return the mount of client {@code n2} (another host) */
    public Path mountB() {
        return mountB;
    }

    /** @return the MDS tick interval in seconds, as given to {@link #start} */
    public String mdsTick() {
        return mdsTick;
    }

    private void run(String command, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createDirectories(Path.of("target")).resolve("cephfs-" + command + ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("CEPHFS_DIR", state.toString());
        pb.environment().put("MDS_TICK", mdsTick);
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("cephfs.sh " + command + " did not finish in " + timeout + ": "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("cephfs.sh " + command + " failed (" + p.exitValue() + "): "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("stop", Duration.ofMinutes(2));
    }
}
