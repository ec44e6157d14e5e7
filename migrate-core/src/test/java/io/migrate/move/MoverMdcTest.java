package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/**
 * {@link ParallelFileMover#move} gives the caller's MDC back (issue #18): the worker's
 * "task ... done" line and the store's "completed" line are logged on the same thread after it,
 * and had lost {@code node} and {@code task}.
 */
class MoverMdcTest {
    @TempDir
    Path dir;

    @Test
    void moveRestoresTheCallersMdc() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path dst = Files.createDirectories(dir.resolve("dst"));
        Files.writeString(src.resolve("a"), "a");
        MigrationTask task = MigrationTask.builder().sourceRoot(src.toString()).addFile("a", "out/a").build();
        try (PosixTransport t = PosixTransport.create(PosixTransportConfig.of(dst));
                ParallelFileMover m = ParallelFileMover.builder(t)
                        .config(MoverConfig.builder().allowSourceRoot(src).threads(1).build()).build()) {
            m.start();
            MDC.put("node", "worker-node");
            MDC.put("task", "worker-task");
            try {
                TaskResult r = m.move(task, new TestExecutionContext("n1"));
                assertThat(r.outcome()).isEqualTo(TaskOutcome.SUCCEEDED);
                assertThat(MDC.get("node")).isEqualTo("worker-node");
                assertThat(MDC.get("task")).isEqualTo("worker-task");
            } finally {
                MDC.clear();
            }
        }
    }
}
