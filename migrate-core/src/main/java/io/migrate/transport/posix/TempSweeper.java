package io.migrate.transport.posix;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks one endpoint's tree and removes the temporary files ({@link PosixSession#isTempName}) that
 * have not changed for longer than an age: uploads of runs that never come back (a task that never
 * runs again after its node closed with the upload kept for resume, an abort or a commit clean-up
 * that failed).
 *
 * <p><b>What is removed.</b> Only an entry whose name is exactly the transport's temporary name
 * ({@code .<name>.<16 hex>.migrate-tmp}, the shape the mover's attempt tokens give), that is a
 * regular file (not a symlink, not a directory), and whose last change is older than the cut-off.
 * The last change is the later of its mtime and, where the filesystem reports it, its ctime: every
 * write changes both; the commit sets the temporary file's mtime to the source's (often years old)
 * just before the rename, which changes its ctime, so a file being committed never looks old; and
 * nobody can set a ctime back. A run that resumes a temporary file marks it changed first
 * ({@link PosixSession#resume}), so a file some run is using is never older than the age unless
 * that run left it alone for the whole age.
 *
 * <p><b>Links.</b> The walk never follows a symlink: every directory is opened relative to its
 * parent's open descriptor with {@code O_NOFOLLOW} ({@link SecureDirectoryStream}, {@code openat}),
 * and a file is removed relative to its directory's descriptor ({@code unlinkat}), so a directory
 * swapped for a symlink mid-walk cannot lead outside the endpoint root. Where the platform has no
 * secure directory streams the sweeper removes nothing and says so once.
 *
 * <p><b>Bounded work.</b> A sweep is a depth-first walk of the whole tree (temporary files live next
 * to their targets, anywhere under the root), done in batches of at most {@code batch} directory
 * entries: {@link #step} does one batch and says whether the walk is finished; the walk's position
 * (the directories still to list, the one open directory stream) is kept between batches, so a
 * million-entry target costs a million {@code lstat}s per sweep, spread over batches of bounded
 * length, with one open directory at a time. A recorded list of directories the transport wrote
 * into would miss exactly what must be found: the uploads of earlier processes and of other nodes.
 * A temporary file created behind the walk's position waits for the next sweep, so a stale file is
 * removed at most {@code age + interval + one walk} after its last change.
 *
 * <p><b>Races.</b> The check and the unlink are two calls: a run that resumes a file in between
 * (after it was left alone for the whole age) finds it gone and starts its upload over
 * ({@link io.migrate.transport.UploadGoneException}, or nothing to resume): a cost, never data.
 *
 * <p>Not thread-safe: one thread (the transport's sweeper thread, or a caller of
 * {@link PosixTransport#sweepStaleUploads}, each with its own instance) owns an instance, its walk
 * position and its open directory stream; {@link #close()} from that thread, or after it stopped.
 */
final class TempSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TempSweeper.class);
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final String endpointId;
    private final Path root;
    private final Clock clock;
    private final int batch;

    // Mutable state, owned by the one thread that steps the walk.
    /** Directories still to list, relative to the root (the root itself is the empty path). */
    private final Deque<Path> pending = new ArrayDeque<>();
    /** The directory being listed, its stream and where the listing stands; null between directories. */
    private Path currentDir;
    private SecureDirectoryStream<Path> current;
    private Iterator<Path> entries;
    private boolean walking;
    private Instant cutoff;
    private boolean warnedInsecure;
    private long removed;
    private long removedBytes;
    private long visited;

    /**
     * @param endpointId for logs
     * @param root the endpoint root
     * @param clock what "now" is for the cut-off
     * @param batch most directory entries one {@link #step} looks at
     */
    TempSweeper(String endpointId, Path root, Clock clock, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive, was " + batch);
        }
        this.endpointId = endpointId;
        this.root = root;
        this.clock = clock;
        this.batch = batch;
    }

    /** @return the endpoint it walks */
    String endpointId() {
        return endpointId;
    }

    /** What one sweep (one whole walk) did. */
    record Result(long removed, long removedBytes, long visited) {
    }

    /**
     * Looks at up to {@code batch} entries: starts a walk (cut-off now minus {@code age}) if none is
     * under way, else goes on with the current one (and its cut-off).
     *
     * @param age files unchanged for longer than this are removed
     * @return the finished walk's result, or null if the walk goes on at the next step
     * @throws IOException if the root cannot be listed (the walk is dropped; the next step starts over)
     */
    Result step(Duration age) throws IOException {
        if (!walking) {
            begin(age);
        }
        try {
            for (int looked = 0; looked < batch; ) {
                if (entries == null && !openNext()) {
                    return finish();
                }
                if (entries == null) {
                    looked++; // a directory that vanished or became a symlink: skipped, its opens counted
                    continue;
                }
                if (!nextEntry()) {
                    closeCurrent();
                    continue;
                }
                looked++;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            abandon();
            throw e;
        }
    }

    /**
     * One whole walk (unbounded: for a caller that asked for it), from a fresh start.
     *
     * @param age files unchanged for longer than this are removed
     * @return what it did
     * @throws IOException if the root cannot be listed
     */
    Result sweepAll(Duration age) throws IOException {
        abandon();
        Result r;
        do {
            r = step(age);
        } while (r == null);
        return r;
    }

    /** @return whether a walk is under way (more steps to come) */
    boolean walking() {
        return walking;
    }

    private void begin(Duration age) {
        pending.clear();
        pending.add(Path.of(""));
        cutoff = clock.instant().minus(age);
        removed = 0;
        removedBytes = 0;
        visited = 0;
        walking = true;
    }

    private Result finish() {
        Result r = new Result(removed, removedBytes, visited);
        abandon();
        return r;
    }

    /** Drops the walk (its open stream too); the next step begins a new one. */
    private void abandon() {
        closeCurrent();
        pending.clear();
        walking = false;
    }

    /**
     * Opens the next pending directory, descending from the root one component at a time without
     * following links.
     *
     * @return false if none is left
     */
    private boolean openNext() throws IOException {
        Path rel = pending.poll();
        if (rel == null) {
            return false;
        }
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> dir)) {
            top.close();
            if (!warnedInsecure) {
                warnedInsecure = true;
                LOG.info("endpoint {}: no secure directory streams on this platform; stale temporary files under {}"
                        + " are not swept (remove .*.migrate-tmp files older than a day by hand)", endpointId, root);
            }
            pending.clear();
            return false;
        }
        try {
            for (Path name : rel) {
                if (name.toString().isEmpty()) {
                    continue;
                }
                SecureDirectoryStream<Path> child;
                try {
                    child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    // removed since it was seen, replaced by a symlink (ELOOP), or unreadable: skip it
                    LOG.debug("endpoint {}: not sweeping {}: {}", endpointId, rel, e.toString());
                    dir.close();
                    return true;
                }
                dir.close();
                dir = child;
            }
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
        current = dir;
        currentDir = rel;
        entries = dir.iterator();
        return true;
    }

    /** @return false when the current directory has no more entries */
    private boolean nextEntry() throws IOException {
        Path entry;
        try {
            if (!entries.hasNext()) {
                return false;
            }
            entry = entries.next();
        } catch (DirectoryIteratorException e) {
            LOG.debug("endpoint {}: listing {} failed: {}", endpointId, currentDir, e.getCause().toString());
            return false;
        }
        visited++;
        Path name = entry.getFileName();
        BasicFileAttributes a;
        try {
            a = current.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
        } catch (NoSuchFileException e) {
            return true; // removed while we looked (a commit, an abort)
        } catch (IOException e) {
            LOG.debug("endpoint {}: cannot stat {}: {}", endpointId, currentDir.resolve(name), e.toString());
            return true;
        }
        if (a.isDirectory()) {
            pending.push(currentDir.resolve(name)); // depth first: few pending directories at a time
        } else if (a.isRegularFile() && PosixSession.isTempName(name.toString())) {
            removeIfStale(name, a);
        }
        return true;
    }

    private void removeIfStale(Path name, BasicFileAttributes a) {
        Path rel = currentDir.resolve(name);
        Instant changed = lastChange(rel, a);
        if (changed == null || !changed.isBefore(cutoff)) {
            return;
        }
        try {
            // re-checked through the directory's descriptor right before the unlink: still a regular file
            BasicFileAttributes again = current.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW)
                    .readAttributes();
            if (!again.isRegularFile() || !again.lastModifiedTime().equals(a.lastModifiedTime())) {
                return;
            }
            current.deleteFile(name);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.warn("endpoint {}: could not remove the stale temporary file {}: {}", endpointId, root.resolve(rel),
                    e.toString());
            return;
        }
        removed++;
        removedBytes += a.size();
        LOG.info("endpoint {}: removed the stale temporary file {} ({} bytes, unchanged since {}, no run came back"
                + " for it)", endpointId, root.resolve(rel), a.size(), changed);
    }

    /**
     * The later of mtime and ctime ({@code unix:ctime}, where the filesystem reports it).
     *
     * @return null if the file is gone
     */
    private Instant lastChange(Path rel, BasicFileAttributes a) {
        Instant mtime = a.lastModifiedTime().toInstant();
        try {
            Map<String, Object> u = Files.readAttributes(root.resolve(rel), "unix:ctime", NOFOLLOW);
            Instant ctime = ((FileTime) u.get("ctime")).toInstant();
            return ctime.isAfter(mtime) ? ctime : mtime;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return mtime; // no ctime here: the mtime alone
        }
    }

    private void closeCurrent() {
        entries = null;
        currentDir = null;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                LOG.debug("endpoint {}: closing a directory stream failed: {}", endpointId, e.toString());
            }
            current = null;
        }
    }

    /** Drops a walk under way and its open directory stream. Idempotent. */
    @Override
    public void close() {
        abandon();
    }
}
