package io.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.config.Settings;
import io.migrate.dispatch.DispatchConfig;
import io.migrate.dispatch.LeaderGate;
import io.migrate.dispatch.TestElection;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.move.MoverConfig;
import io.migrate.move.ParallelFileMover;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import io.migrate.node.NodeHealth;
import io.migrate.result.LoggingResultPublisher;
import io.migrate.result.ResultOutbox;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: every component with threads follows one lifecycle ({@code io.migrate.internal.Lifecycle}):
 * a second {@code start()} does nothing, {@code start()} after {@code close()} throws
 * {@link IllegalStateException} (always that type), {@code close()} is idempotent.
 */
class LifecycleIdiomTest {
    @TempDir
    Path dir;

    /** start, start, close, close, then start must fail with IllegalStateException. */
    private static void assertIdiom(AutoCloseable component, Runnable start) throws Exception {
        start.run();
        start.run();
        component.close();
        component.close();
        assertThatThrownBy(start::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void migrationNode() throws Exception {
        MigrationNode node = NodeConfiguration.fromSettings(Settings.of(Map.of(
                "node.id", "m1", "node.roles", "manager", "task.root", dir.toString(),
                "ha.type", "static", "ha.static.leader", "m1"))).build();
        assertThat(node.health().lifecycle()).isEqualTo(NodeHealth.Lifecycle.NEW);
        assertIdiom(node, node::start);
        assertThat(node.health().lifecycle()).isEqualTo(NodeHealth.Lifecycle.CLOSED);
    }

    @Test
    void parallelFileMover() throws Exception {
        Path dst = Files.createDirectories(dir.resolve("dst"));
        try (PosixTransport t = PosixTransport.create(PosixTransportConfig.of(dst))) {
            ParallelFileMover m = ParallelFileMover.builder(t)
                    .config(MoverConfig.builder().allowSourceRoot(dir).threads(2).build()).build();
            assertIdiom(m, m::start);
        }
    }

    @Test
    void resultOutbox() throws Exception {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(dir).syncDirectories(false).build();
        ResultOutbox o = ResultOutbox.builder().store(store).publisher(new LoggingResultPublisher()).node("n1").build();
        assertIdiom(o, o::start);
    }

    @Test
    void leaderGate() throws Exception {
        LeaderGate g = LeaderGate.create(new TestElection("n1", LeadershipState.LEADER), dir, DispatchConfig.defaults());
        assertIdiom(g, g::start);
        assertThat(g.isActive()).isFalse();
    }
}
