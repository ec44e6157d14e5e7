package io.migrate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Random test files on disk, reproducible from a seed: random content of any size, sparse
 * files, names with spaces and non-ASCII characters. Randomized tests take the seed from
 * {@link #seed(Class)}, which prints it and accepts it back via {@code -Dmigrate.test.seed=N}.
 *
 * <p>Not thread-safe (one {@link Random}).
 */
public final class RandomFiles {
    /** Names that trip naive code: spaces, accents, CJK, emoji, a leading dash, dots. */
    public static final List<String> TRICKY_NAMES = List.of(
            "with space.bin", "naïve café.dat", "日本語ファイル.txt", "emoji-😀.bin", "-leading-dash",
            "..double..dots..", "Ünïcödé dir/ñested fïle.bin");

    private static final int CHUNK = 1 << 20;
    private final Random random;

    /** @param seed the seed; the same seed gives the same files */
    public RandomFiles(long seed) {
        this.random = new Random(seed);
    }

    /**
     * The seed for a randomized test: {@code -Dmigrate.test.seed} when given, else a new one;
     * printed either way so a failure can be replayed.
     *
     * @param test the test class, for the message
     * @return the seed
     */
    public static long seed(Class<?> test) {
        String given = System.getProperty("migrate.test.seed");
        long seed = given != null ? Long.parseLong(given) : new Random().nextLong();
        System.out.println(test.getSimpleName() + ": seed " + seed + " (replay with -Dmigrate.test.seed=" + seed + ")");
        return seed;
    }

    /** @return the underlying random source, for sizes and choices */
    public Random random() {
        return random;
    }

    /**
     * Writes a file of random bytes, creating parent directories.
     *
     * @param path the file
     * @param size its size in bytes
     * @return the path
     */
    public Path write(Path path, long size) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, size))];
                long left = size;
                while (left > 0) {
                    int n = (int) Math.min(chunk.length, left);
                    random.nextBytes(chunk);
                    ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    left -= n;
                }
            }
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a sparse file: {@code size} bytes, holes everywhere except {@code islands} random
     * blocks of 4 KiB of random data (and the last byte, so the size is real data).
     *
     * @param path the file
     * @param size its size
     * @param islands how many data blocks
     * @return the path
     */
    public Path writeSparse(Path path, long size, int islands) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] block = new byte[4096];
                for (int i = 0; i < islands && size > block.length; i++) {
                    random.nextBytes(block);
                    long at = (long) (random.nextDouble() * (size - block.length));
                    ch.write(ByteBuffer.wrap(block), at);
                }
                if (size > 0) {
                    ch.write(ByteBuffer.wrap(new byte[] {(byte) (1 + random.nextInt(255))}), size - 1);
                }
            }
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param a a file
     * @param b another file
     * @return whether both have exactly the same bytes
     */
    public static boolean sameContent(Path a, Path b) {
        try {
            return Files.mismatch(a, b) == -1L;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param dir a directory
     * @return regular files below it whose name marks them as the mover's temporary files
     */
    public static List<Path> tempFilesUnder(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".migrate-tmp")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
