package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.move.internal.Crc32c;
import io.migrate.result.FileOutcome;
import io.migrate.result.FileResult;
import io.migrate.result.TaskOutcome;
import io.migrate.result.TaskResult;
import io.migrate.task.MigrationTask;
import io.migrate.testing.FaultInjectingTransport;
import io.migrate.testing.FaultInjectingTransport.Op;
import io.migrate.testing.RandomFiles;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.Disposition;
import io.migrate.transport.Transport;
import io.migrate.transport.posix.PosixTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelFileMoverTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    RandomFiles files;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        dst = Files.createDirectories(tmp.resolve("dst"));
        files = new RandomFiles(RandomFiles.seed(getClass()));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private MoverConfig.Builder config() {
        return MoverConfig.builder().allowSourceRoot(src).threads(4).rangeSize(1 * MIB).maxInFlightBytes(8 * MIB)
                .splitThreshold(2 * MIB).backoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .healthCheckInterval(Duration.ofMillis(100)).endpointWait(Duration.ofSeconds(10));
    }

    private ParallelFileMover mover(Transport t, MoverConfig c) {
        ParallelFileMover m = ParallelFileMover.builder(t).config(c).build();
        toClose.add(m);
        m.start();
        return m;
    }

    private MigrationTask task(String... names) {
        MigrationTask.Builder b = MigrationTask.builder().sourceRoot(src.toString());
        for (String n : names) {
            b.addFile(n, "out/" + n);
        }
        return b.build();
    }

    @Test
    void copiesSmallAndSplitFilesByteForByte() throws Exception {
        files.write(src.resolve("a.bin"), 1000);
        files.write(src.resolve("empty"), 0);
        files.write(src.resolve("exact.bin"), 3 * MIB);
        files.write(src.resolve("odd.bin"), 5 * MIB + 17);
        ParallelFileMover m = mover(PosixTransport.of(dst), config().build());
        TestExecutionContext ctx = new TestExecutionContext("n1");

        TaskResult r = m.move(task("a.bin", "empty", "exact.bin", "odd.bin"), ctx);

        assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
        for (String n : List.of("a.bin", "empty", "exact.bin", "odd.bin")) {
            assertThat(RandomFiles.sameContent(src.resolve(n), dst.resolve("out/" + n))).as(n).isTrue();
        }
        FileResult odd = r.files().get(3);
        assertThat(odd.checksum()).isEqualTo(Crc32c.format(crcOf(src.resolve("odd.bin"))));
        assertThat(ctx.lastBytes()).isEqualTo(1000 + 8 * MIB + 17);
        assertThat(ctx.maxBytes()).isEqualTo(ctx.lastBytes());
        assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();
    }

    static int crcOf(Path p) throws IOException {
        return Crc32c.of(ByteBuffer.wrap(Files.readAllBytes(p)));
    }
}
