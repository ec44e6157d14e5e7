package io.migrate.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.migrate.config.Settings;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A task root whose layout exists but cannot be written fails {@link MigrationNode#start()} with
 * {@code TASK_STORE_IO} naming the directory (issue #18), for every role. Before, build and start
 * succeeded and the node only logged WARNs on every poll. A real read-only directory: mode 555
 * for an ordinary user, the immutable attribute ({@code chattr +i}) for root, who ignores modes.
 */
class ReadOnlyTaskRootIT {
    @TempDir
    Path dir;

    private final List<Path> frozen = new ArrayList<>();
    private boolean root;

    private Map<String, String> properties(String roles) {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", "node-1");
        p.put("node.roles", roles);
        p.put("task.root", dir.resolve("root").toString());
        p.put("ha.type", "static");
        p.put("ha.static.leader", "node-1");
        p.put("transport.type", "posix");
        p.put("transport.posix.root", dir.resolve("dest").toString());
        p.put("mover.allowedSourceRoots", dir.resolve("src").toString());
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"backend", "manager", "manager,backend"})
    void aReadOnlyTaskRootFailsStartWithTaskStoreIoNamingThePath(String roles) throws Exception {
        Files.createDirectories(dir.resolve("dest"));
        Files.createDirectories(dir.resolve("src"));
        MigrationNode node = NodeConfiguration.fromSettings(Settings.of(properties(roles))).build(); // makes the layout
        Path pending = dir.resolve("root/pending");
        freeze(pending);

        long t0 = System.nanoTime();
        MigrateException e = catchThrowableOfType(MigrateException.class, node::start);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("read-only task root (%s): start() threw %s after %d ms%n", roles,
                e == null ? null : e.code(), ms);

        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.TASK_STORE_IO);
        assertThat(e).hasMessageContaining(pending.toString());
        NodeHealth h = node.health();
        assertThat(h.lifecycle()).isEqualTo(NodeHealth.Lifecycle.CLOSED);
        assertThat(h.taskRoot().writable()).isFalse();
        assertThat(h.taskRoot().error()).get().asString().contains(pending.toString());
        assertThat(Files.list(pending)).isEmpty(); // the probe left nothing behind
    }

    private void freeze(Path p) throws IOException, InterruptedException {
        root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Process chattr = new ProcessBuilder("chattr", "+i", p.toString()).redirectErrorStream(true).start();
            String out = new String(chattr.getInputStream().readAllBytes());
            assumeThat(chattr.waitFor()).as("chattr +i needs CAP_LINUX_IMMUTABLE and ext4/xfs: " + out).isZero();
        } else {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        frozen.add(p);
    }

    @AfterEach
    void thaw() throws Exception {
        for (Path p : frozen) {
            if (root) {
                new ProcessBuilder("chattr", "-i", p.toString()).inheritIO().start().waitFor();
            } else {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }
}
