package io.migrate.move.internal;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.transport.MetadataKeys;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Source-side checks: confinement to the source root, file type, and the fingerprint taken
 * before and after a copy. Nothing outside the source root is ever opened: paths are resolved
 * to their real path (following symlinks) and checked before any {@code open}, and the open
 * itself refuses a symlink in <em>any</em> component swapped in since the check: it walks the real
 * path one directory at a time from the filesystem root with {@code openat(O_NOFOLLOW)} on
 * directory handles ({@link SecureDirectoryStream}: Linux, macOS and the BSDs on JDK 17), so a
 * parent directory replaced by a symlink is refused instead of followed. Where the JDK offers no
 * secure directory stream (Windows), or a directory on the way may be searched but not read
 * ({@code --x}), the file is opened by path refusing a symlink in the last component and its real
 * path is checked again right after: a parent swapped and swapped back within that instant is not
 * seen there.
 *
 * <p>Stateless and thread-safe.
 */
public final class SourceFile {
    private SourceFile() {
    }

    /**
     * A source file's identity at one moment.
     *
     * @param size bytes
     * @param mtimeNanos modification time, ns since the epoch
     * @param inode inode number, or -1 where unknown
     * @param ctimeNanos status change time in ns, or -1 where unknown
     * @param device device number, or -1 where unknown (compared locally, never stored)
     * @param mode permission bits, or -1 where unknown
     */
    public record Fingerprint(long size, long mtimeNanos, long inode, long ctimeNanos, long device, int mode) {
        /** @return the portable form stored as {@link MetadataKeys#FINGERPRINT} */
        public String stored() {
            StringBuilder sb = new StringBuilder().append("s=").append(size).append(";m=").append(mtimeNanos);
            if (inode >= 0) {
                sb.append(";i=").append(inode);
            }
            if (ctimeNanos >= 0) {
                sb.append(";c=").append(ctimeNanos);
            }
            return sb.toString();
        }

        /** @return fingerprint, mtime and mode metadata for the target */
        public Map<String, String> metadata() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(MetadataKeys.FINGERPRINT, stored());
            m.put(MetadataKeys.MTIME_NANOS, Long.toString(mtimeNanos));
            if (mode >= 0) {
                m.put(MetadataKeys.MODE, String.format("%04o", mode));
            }
            return m;
        }
    }

    /**
     * Resolves a task's source root: it must be absolute and, after symlinks, inside one of the
     * allowed roots.
     *
     * @param sourceRoot the task's source root
     * @param allowedRoots the configured allowed roots
     * @return the real path of the source root
     * @throws MigrateException {@code SOURCE_OUTSIDE_ROOT} or {@code SOURCE_NOT_FOUND}
     */
    public static Path resolveRoot(String sourceRoot, List<Path> allowedRoots) {
        Path root = Path.of(sourceRoot);
        if (!root.isAbsolute()) {
            throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT, "source root is not absolute: " + sourceRoot);
        }
        Path real;
        try {
            real = root.toRealPath();
        } catch (NoSuchFileException e) {
            throw new MigrateException(ErrorCode.SOURCE_NOT_FOUND, "source root does not exist: " + sourceRoot, e);
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source root cannot be resolved: " + sourceRoot, e);
        }
        for (Path allowed : allowedRoots) {
            Path allowedReal;
            try {
                allowedReal = allowed.toRealPath();
            } catch (IOException e) {
                continue; // an allowed root that does not exist allows nothing
            }
            if (real.startsWith(allowedReal)) {
                return real;
            }
        }
        throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT,
                "source root " + sourceRoot + " is not inside an allowed source root");
    }

    /**
     * Resolves one entry below the (real) source root and checks it: inside the root after
     * symlinks, exists, regular file, readable. Opens nothing.
     *
     * @param realRoot the real source root
     * @param relative the entry's relative path
     * @return the file's real path
     * @throws MigrateException {@code SOURCE_OUTSIDE_ROOT}, {@code SOURCE_NOT_FOUND},
     *     {@code SOURCE_NOT_REGULAR_FILE} or {@code SOURCE_UNREADABLE}
     */
    public static Path resolve(Path realRoot, String relative) {
        Path rel = Path.of(relative);
        if (rel.isAbsolute()) {
            throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT, "absolute source path: " + relative);
        }
        Path candidate = realRoot.resolve(rel).normalize();
        if (!candidate.startsWith(realRoot) || candidate.equals(realRoot)) {
            throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT, "source path leaves the source root: " + relative);
        }
        Path real;
        try {
            Files.readAttributes(candidate, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new MigrateException(ErrorCode.SOURCE_NOT_FOUND, "source file not found: " + relative, e);
        } catch (AccessDeniedException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source file not accessible: " + relative, e);
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source file cannot be resolved: " + relative, e);
        }
        if (!real.startsWith(realRoot)) {
            throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT,
                    "source path resolves outside the source root: " + relative);
        }
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new MigrateException(ErrorCode.SOURCE_NOT_FOUND, "source file not found: " + relative, e);
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source file cannot be read: " + relative, e);
        }
        if (!attrs.isRegularFile()) {
            throw new MigrateException(ErrorCode.SOURCE_NOT_REGULAR_FILE, "not a regular file: " + relative);
        }
        if (!Files.isReadable(real)) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source file not readable: " + relative);
        }
        return real;
    }

    /**
     * Opens a checked real path for reading, refusing a symlink swapped in since the check for any
     * component of the path (see the class comment for how, and what other platforms get).
     *
     * @param real a path returned by {@link #resolve} (a real path: no component is a symlink)
     * @return the channel, owned by the caller
     * @throws MigrateException {@code SOURCE_NOT_FOUND}, {@code SOURCE_OUTSIDE_ROOT} (a symlink
     *     appeared) or {@code SOURCE_UNREADABLE}
     */
    public static FileChannel open(Path real) {
        try {
            FileChannel walked = openByWalking(real);
            return walked != null ? walked : openByPathAndVerify(real);
        } catch (NoSuchFileException e) {
            throw new MigrateException(ErrorCode.SOURCE_NOT_FOUND, "source file vanished: " + real, e);
        } catch (AccessDeniedException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source file not readable: " + real, e);
        } catch (IOException e) {
            if (symlinkOnTheWay(real)) {
                throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT,
                        "a component of the source path became a symlink: " + real, e);
            }
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "source file cannot be opened: " + real, e);
        }
    }

    private static final Set<OpenOption> READ_NOFOLLOW = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    /**
     * Walks from the filesystem root with directory handles, each step {@code openat(dir, name,
     * O_NOFOLLOW)}: the file opened is the one at the real path's place in the tree, whatever
     * symlinks appear since.
     *
     * @return the channel, or null where the platform has no secure directory stream or a directory
     *     on the way cannot be read (the caller then opens by path and verifies)
     */
    private static FileChannel openByWalking(Path real) throws IOException {
        Path top = real.getRoot();
        if (top == null || real.getNameCount() == 0) {
            return null;
        }
        DirectoryStream<Path> first = Files.newDirectoryStream(top);
        if (!(first instanceof SecureDirectoryStream<Path> dir)) {
            first.close();
            return null;
        }
        try {
            for (int i = 0; i < real.getNameCount() - 1; i++) {
                SecureDirectoryStream<Path> next;
                try {
                    next = dir.newDirectoryStream(real.getName(i), LinkOption.NOFOLLOW_LINKS);
                } catch (AccessDeniedException searchOnly) {
                    return null; // a --x directory: traversable by path, not openable
                }
                dir.close();
                dir = next;
            }
            SeekableByteChannel ch = dir.newByteChannel(real.getFileName(), READ_NOFOLLOW);
            if (ch instanceof FileChannel fc) {
                return fc;
            }
            ch.close();
            return null;
        } finally {
            dir.close();
        }
    }

    /** Opens by path (no symlink in the last component), then checks the path is still real. */
    private static FileChannel openByPathAndVerify(Path real) throws IOException {
        FileChannel ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            if (!real.toRealPath().equals(real)) {
                throw new MigrateException(ErrorCode.SOURCE_OUTSIDE_ROOT,
                        "a component of the source path became a symlink: " + real);
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** After a failed open: is some component of the path a symlink now? */
    private static boolean symlinkOnTheWay(Path real) {
        Path top = real.getRoot();
        Path p = top;
        for (int i = 0; i < real.getNameCount(); i++) {
            p = p == null ? real.getName(i) : p.resolve(real.getName(i));
            if (Files.isSymbolicLink(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes the fingerprint (size, mtime, and inode, ctime, device, mode from the {@code unix}
     * attribute view where the platform has it) without following symlinks.
     *
     * @param real the file
     * @return its fingerprint
     * @throws MigrateException {@code SOURCE_NOT_FOUND} or {@code SOURCE_UNREADABLE}
     */
    public static Fingerprint fingerprint(Path real) {
        try {
            try {
                Map<String, Object> a = Files.readAttributes(real,
                        "unix:size,lastModifiedTime,ino,ctime,dev,mode,isRegularFile", LinkOption.NOFOLLOW_LINKS);
                if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
                    throw new MigrateException(ErrorCode.SOURCE_NOT_REGULAR_FILE, "not a regular file: " + real);
                }
                return new Fingerprint((Long) a.get("size"), nanos((FileTime) a.get("lastModifiedTime")),
                        (Long) a.get("ino"), nanos((FileTime) a.get("ctime")), (Long) a.get("dev"),
                        ((Integer) a.get("mode")) & 07777);
            } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
                BasicFileAttributes b = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                int mode = -1;
                try {
                    mode = modeOf(Files.getPosixFilePermissions(real, LinkOption.NOFOLLOW_LINKS));
                } catch (UnsupportedOperationException noPosix) {
                    // no permission bits on this filesystem: the target keeps its default mode
                }
                return new Fingerprint(b.size(), nanos(b.lastModifiedTime()), -1, -1, -1, mode);
            }
        } catch (NoSuchFileException e) {
            throw new MigrateException(ErrorCode.SOURCE_NOT_FOUND, "source file vanished: " + real, e);
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.SOURCE_UNREADABLE, "cannot stat source file: " + real, e);
        }
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    private static int modeOf(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }
}
