package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.move.internal.Crc32c;
import io.migrate.task.FileOutcome;
import io.migrate.task.FileResult;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskOutcome;
import io.migrate.task.TaskResult;
import io.migrate.testing.RandomFiles;
import io.migrate.testing.TestExecutionContext;
import io.migrate.transport.posix.PosixTransport;
import io.migrate.transport.posix.PosixTransportConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POSIX → POSIX with the default range size on real files from 0 B to 300 MiB: exact range
 * multiples and their neighbours, a sparse file, tricky names, byte-for-byte checked. Sizes are
 * random from a printed seed ({@code -Dmigrate.test.seed}); about 450 MiB of data in total.
 */
class PosixToPosixIT {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void movesFilesOfEverySizeByteForByte() throws Exception {
        long seed = RandomFiles.seed(getClass());
        RandomFiles files = new RandomFiles(seed);
        Random rnd = files.random();
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        long range = MoverConfig.DEFAULT_RANGE_SIZE;

        List<Long> sizes = new ArrayList<>(List.of(0L, 1L, range - 1, range, range + 1, 2 * range, 3 * range,
                300 * MIB));
        for (int i = 0; i < 6; i++) {
            sizes.add((long) rnd.nextInt(64 << 10)); // small files
        }
        for (int i = 0; i < 2; i++) {
            sizes.add(range + (long) (rnd.nextDouble() * 5 * range)); // split files, random tails
        }
        MigrationTask.Builder task = MigrationTask.builder().sourceRoot(src.toString());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            String name = RandomFiles.TRICKY_NAMES.get(i % RandomFiles.TRICKY_NAMES.size()) + "-" + i + "-"
                    + sizes.get(i);
            files.write(src.resolve(name), sizes.get(i));
            names.add(name);
        }
        files.writeSparse(src.resolve("sparse disk.img"), 100 * MIB + 123, 5);
        names.add("sparse disk.img");
        for (String n : names) {
            task.addFile(n, "mirror/" + n);
        }

        try (ParallelFileMover mover = ParallelFileMover.builder(PosixTransport.create(PosixTransportConfig.of(dst)))
                .config(MoverConfig.builder().allowSourceRoot(src).threads(4).build()).build()) {
            mover.start();
            TestExecutionContext ctx = new TestExecutionContext("it");
            TaskResult r = mover.move(task.build(), ctx);

            assertThat(r.outcome()).as(r.toString()).isEqualTo(TaskOutcome.SUCCEEDED);
            long total = 0;
            for (FileResult f : r.files()) {
                Path a = src.resolve(f.sourcePath());
                Path b = dst.resolve(f.targetKey());
                assertThat(f.outcome()).isEqualTo(FileOutcome.COPIED);
                assertThat(RandomFiles.sameContent(a, b)).as(f.sourcePath() + " (seed " + seed + ")").isTrue();
                assertThat(f.checksum()).isEqualTo(Crc32c.format(streamCrc(b)));
                assertThat(Files.getLastModifiedTime(b)).isEqualTo(Files.getLastModifiedTime(a));
                assertThat(Files.getPosixFilePermissions(b)).isEqualTo(Files.getPosixFilePermissions(a));
                total += Files.size(a);
            }
            assertThat(ctx.maxBytes()).isEqualTo(total);
            assertThat(mover.bufferHighWaterBytes()).isLessThanOrEqualTo(MoverConfig.DEFAULT_MAX_IN_FLIGHT_BYTES);
            assertThat(RandomFiles.tempFilesUnder(dst)).isEmpty();

            // and a re-run finds every file already there
            TaskResult again = mover.move(task.build(), new TestExecutionContext("it"));
            assertThat(again.files()).allSatisfy(f -> assertThat(f.outcome()).isEqualTo(FileOutcome.SKIPPED_IDENTICAL));
        }
    }

    private static int streamCrc(Path p) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return (int) crc.getValue();
    }
}
