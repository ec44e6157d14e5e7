package io.migrate.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A one-host CephFS mounted twice through {@code ceph-fuse} ({@code src/test/cephfs/cephfs.sh}):
 * two independent clients, as two hosts would be. Needs root (FUSE mounts; the script installs
 * the Debian packages if missing). Used by {@link CephFsIT} only (Maven profile {@code cephfs}).
 *
 * <p>Not thread-safe: one test thread starts and closes it.
 */
final class CephFsFixture implements AutoCloseable {
    private final Path script;
    private final Path state;
    final Path mountA;
    final Path mountB;
    final String mdsTick;

    private CephFsFixture(Path script, Path state, String mdsTick) {
        this.script = script;
        this.state = state;
        this.mountA = Path.of(state + "-mnt", "a");
        this.mountB = Path.of(state + "-mnt", "b");
        this.mdsTick = mdsTick;
    }

    /**
     * Starts the cluster and mounts it twice (about 15 s).
     *
     * @param mdsTick the MDS tick interval in seconds ({@code 5} is Ceph's default)
     * @return the running fixture
     */
    static CephFsFixture start(String mdsTick) throws IOException, InterruptedException {
        Path script = Path.of("src/test/cephfs/cephfs.sh").toAbsolutePath();
        Path state = Path.of(System.getProperty("migrate.cephfs.dir", "/tmp/migrate-cephfs-it"));
        CephFsFixture f = new CephFsFixture(script, state, mdsTick);
        f.run("stop", Duration.ofMinutes(1)); // a previous run killed before its close
        f.run("start", Duration.ofMinutes(6)); // includes apt-get when the packages are missing
        return f;
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
