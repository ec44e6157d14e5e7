package io.migrate.task;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The only file operations the task store performs on entries of the task root, each of which
 * never follows a symbolic link and touches only regular files (see {@code docs/task-root.md},
 * "Foreign entries").
 *
 * <p>Why: the task root is a shared directory that people and scripts on many hosts write into.
 * A link named like a task must not make the store read a file elsewhere, append records to it
 * or set its time; a directory, FIFO or device named like a task must not be opened at all (a
 * FIFO blocks the opener). Each operation first reads the entry's own attributes ({@code lstat})
 * and gives up unless it is a regular file, then opens with {@link LinkOption#NOFOLLOW_LINKS}
 * ({@code O_NOFOLLOW}), so a link swapped in after the check fails the open instead of being
 * followed. What remains is a swap of a regular file for a FIFO or device between the check and
 * the open, which needs a writer racing the store on one name inside the root; it can delay that
 * one open, never write outside the root.
 *
 * <p>Stateless; every method may be called from any thread.
 */
final class TaskRootFiles {
    private TaskRootFiles() {
    }

    /** @return the entry's own attributes (a link is not followed), or null when it does not exist */
    static BasicFileAttributes lstat(Path entry) throws IOException {
        try {
            return Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** @return whether the entry exists and is a regular file itself (not a link to one) */
    static boolean isRegularFile(Path entry) {
        return Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS);
    }

    /** @return whether the entry exists and is a directory itself (not a link to one) */
    static boolean isRealDirectory(Path entry) {
        return Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Reads at most {@code limit} bytes of a regular file.
     *
     * @return the bytes, or empty when the entry is absent or not a regular file
     */
    static Optional<byte[]> readRegular(Path file, long limit) throws IOException {
        if (!isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!isRegularFile(file)) {
                return Optional.empty(); // replaced by a link or removed between the check and the open
            }
            throw e;
        }
    }

    /**
     * Appends to an existing regular file (never created, never through a link).
     *
     * @return false when the entry is absent or not a regular file
     */
    static boolean appendRegular(Path file, byte[] bytes, boolean sync) throws IOException {
        if (!isRegularFile(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (sync) {
                ch.force(true);
            }
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            if (!isRegularFile(file)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Sets the modification time of a regular file, never of a link's target.
     *
     * @return false when the entry is absent or not a regular file
     */
    static boolean setModifiedTimeRegular(Path file, Instant time) throws IOException {
        if (!isRegularFile(file)) {
            return false;
        }
        try {
            Files.getFileAttributeView(file, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.from(time), null, null);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** @return the modification time of a regular file, or empty when absent or not a regular file */
    static Optional<Instant> modifiedTimeRegular(Path file) throws IOException {
        BasicFileAttributes a = lstat(file);
        return a == null || !a.isRegularFile() ? Optional.empty() : Optional.of(a.lastModifiedTime().toInstant());
    }

    /**
     * Names of the regular files in a directory that pass a name filter, unsorted; each entry is
     * checked with {@code lstat}, so links, directories and FIFOs are never returned. Empty when
     * the directory does not exist or is not a real directory (a link to one is not listed).
     */
    static List<String> regularFileNames(Path dir, Predicate<String> filter) throws IOException {
        List<String> names = new ArrayList<>();
        if (!isRealDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (filter.test(n) && isRegularFile(p)) {
                    names.add(n);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return names;
        }
        return names;
    }
}
