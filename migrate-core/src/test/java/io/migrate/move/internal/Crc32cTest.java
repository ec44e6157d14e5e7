package io.migrate.move.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.testing.RandomFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Crc32cTest {

    @Test
    void knownValueOfCheckString() {
        // the CRC-32C check value from the Castagnoli catalogue
        assertThat(Crc32c.of(ByteBuffer.wrap("123456789".getBytes()))).isEqualTo(0xE3069283);
        assertThat(Crc32c.format(0xE3069283)).isEqualTo("crc32c:e3069283");
    }

    @Test
    void combinedRangeChecksumsEqualDirectChecksumOfAWholeFile(@TempDir Path dir) throws IOException {
        long seed = RandomFiles.seed(getClass());
        RandomFiles files = new RandomFiles(seed);
        Random rnd = files.random();
        Path file = files.write(dir.resolve("f.bin"), 3_000_000 + rnd.nextInt(1000));
        byte[] all = Files.readAllBytes(file);
        CRC32C direct = new CRC32C();
        direct.update(all);

        for (int rangeSize : new int[] {4096, 65536, 1 << 20, 1_000_003, all.length, all.length + 5}) {
            int combined = 0;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                long off = 0;
                boolean first = true;
                while (off < all.length) {
                    int len = (int) Math.min(rangeSize, all.length - off);
                    int crc = crcOfRange(ch, off, len, buf);
                    combined = first ? crc : Crc32c.combine(combined, crc, len);
                    first = false;
                    off += len;
                }
            }
            assertThat(combined).as("range size " + rangeSize + " (seed " + seed + ")")
                    .isEqualTo((int) direct.getValue());
        }
    }

    @Test
    void combiningWithAnEmptyBlockChangesNothing() {
        int a = Crc32c.of(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(Crc32c.combine(a, 0, 0)).isEqualTo(a);
        int empty = Crc32c.of(ByteBuffer.allocate(0));
        assertThat(Crc32c.combine(empty, a, 3)).isEqualTo(a);
    }

    @Test
    void combinesRandomSplitsOfRandomBuffers() {
        long seed = RandomFiles.seed(getClass());
        Random rnd = new Random(seed);
        for (int i = 0; i < 200; i++) {
            byte[] data = new byte[rnd.nextInt(10_000)];
            rnd.nextBytes(data);
            int cut = data.length == 0 ? 0 : rnd.nextInt(data.length + 1);
            int a = Crc32c.of(ByteBuffer.wrap(data, 0, cut));
            int b = Crc32c.of(ByteBuffer.wrap(data, cut, data.length - cut));
            assertThat(Crc32c.combine(a, b, data.length - cut)).as("seed " + seed)
                    .isEqualTo(Crc32c.of(ByteBuffer.wrap(data)));
        }
    }

    private static int crcOfRange(FileChannel ch, long off, int len, ByteBuffer scratch) throws IOException {
        CRC32C crc = new CRC32C();
        long pos = off;
        long end = off + len;
        while (pos < end) {
            scratch.clear().limit((int) Math.min(scratch.capacity(), end - pos));
            int n = ch.read(scratch, pos);
            scratch.flip();
            crc.update(scratch);
            pos += n;
        }
        return (int) crc.getValue();
    }
}
