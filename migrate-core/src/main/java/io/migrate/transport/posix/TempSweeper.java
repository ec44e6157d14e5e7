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
 * every entry is looked at with {@code fstatat(AT_SYMLINK_NOFOLLOW)} through that descriptor, and a
 * file is removed relative to it ({@code unlinkat}), so a directory swapped for a symlink mid-walk
 * cannot lead outside the endpoint root. Where the platform has no secure directory streams the
 * sweeper removes nothing and says so once.
 *
 * <p><b>Bounded work.</b> A sweep is a depth-first walk of the whole tree (temporary files live next
 * to their targets, anywhere under the root), done in steps of at most {@code batch} directory
 * entries (one {@code lstat} each): {@link #step} does one and says whether the walk is finished;
 * the walk's position (one open directory stream per level, at most {@value #MAX_DEPTH}) is kept
 * between steps. So a million-entry target costs a million {@code lstat}s per sweep, spread over
 * steps of bounded length, and memory and descriptors grow with the tree's depth, not its size.
 * Walking only the directories this process wrote temporary files into would miss exactly what
 * must be found: the uploads of earlier processes and of other nodes. A temporary file created
 * behind the walk's position waits for the next sweep, so a stale file is removed at most
 * {@code age + interval + one walk} after its last change.
 *
 * <p><b>Races.</b> The check and the unlink are two calls: a run that resumes a file in between
 * (after it was left alone for the whole age) finds it gone and starts its upload over
 * ({@link io.migrate.transport.UploadGoneException}, or nothing to resume): a cost, never data.
 *
 * <p>Not thread-safe: one thread (the transport's sweeper thread, or a caller of
 * {@link PosixTransport#sweepStaleUploads}, each with its own instance) owns an instance, its walk
 * position and its open directory streams; {@link #close()} from that thread, or after it stopped.
 * A step ends early when its thread is interrupted (the walk is kept for {@link #close()}).
 */
final class TempSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TempSweeper.class);
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final String endpointId;
    private final Path root;
    private final Clock clock;
    private final int batch;

    /**
     * Deepest directory level walked: one open directory per level, so this bounds the descriptors a
     * walk holds. Deeper directories are not swept (counted in {@link Result#tooDeep()}).
     */
    static final int MAX_DEPTH = 128;

    // Mutable state, owned by the one thread that steps the walk.
    /** The directories being listed, root first: each level's path (relative), stream and position. */
    private final Deque<Level> levels = new ArrayDeque<>();
    private boolean walking;
    private Instant cutoff;
    private boolean warnedInsecure;
    private long removed;
    private long removedBytes;
    private long visited;
    private long tooDeep;

    /** One open directory of the walk. */
    private record Level(Path rel, SecureDirectoryStream<Path> stream, Iterator<Path> entries) {
    }

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

    /**
     * What one sweep (one whole walk) did.
     *
     * @param removed stale temporary files removed
     * @param removedBytes their sizes
     * @param visited directory entries looked at
     * @param tooDeep directories not walked, deeper than {@link #MAX_DEPTH}
     */
    record Result(long removed, long removedBytes, long visited, long tooDeep) {
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
        try {
            if (!walking && !begin(age)) {
                return new Result(0, 0, 0, 0); // nothing can be swept on this platform
            }
            for (int looked = 0; looked < batch && !Thread.currentThread().isInterrupted(); looked++) {
                Level top = levels.peek();
                if (top == null) {
                    return finish();
                }
                if (!nextEntry(top)) {
                    levels.pop();
                    closeQuietly(top.stream());
                }
            }
            return null; // the walk goes on (or the thread is stopping: close() drops it)
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
     * @throws java.io.InterruptedIOException if the thread is interrupted (the flag stays set)
     */
    Result sweepAll(Duration age) throws IOException {
        abandon();
        Result r;
        do {
            r = step(age);
            if (r == null && Thread.currentThread().isInterrupted()) {
                abandon();
                throw new java.io.InterruptedIOException("sweep of " + root + " interrupted");
            }
        } while (r == null);
        return r;
    }

    /** @return whether a walk is under way (more steps to come) */
    boolean walking() {
        return walking;
    }

    /** @return false where the platform has no secure directory streams (said once) */
    private boolean begin(Duration age) throws IOException {
        DirectoryStream<Path> top = Files.newDirectoryStream(root);
        if (!(top instanceof SecureDirectoryStream<Path> dir)) {
            top.close();
            if (!warnedInsecure) {
                warnedInsecure = true;
                LOG.info("endpoint {}: no secure directory streams on this platform; stale temporary files under {}"
                        + " are not swept (remove .*.migrate-tmp files older than a day by hand)", endpointId, root);
            }
            return false;
        }
        levels.push(new Level(Path.of(""), dir, dir.iterator()));
        cutoff = clock.instant().minus(age);
        removed = 0;
        removedBytes = 0;
        visited = 0;
        tooDeep = 0;
        walking = true;
        return true;
    }

    private Result finish() {
        Result r = new Result(removed, removedBytes, visited, tooDeep);
        abandon();
        if (r.tooDeep() > 0) {
            LOG.info("endpoint {}: {} directories deeper than {} levels under {} were not swept", endpointId,
                    r.tooDeep(), MAX_DEPTH, root);
        }
        return r;
    }

    /** Drops the walk and closes its open directories; the next step begins a new one. */
    private void abandon() {
        while (!levels.isEmpty()) {
            closeQuietly(levels.pop().stream());
        }
        walking = false;
    }

    /**
     * Looks at the next entry of the directory {@code at}: a directory is opened relative to it
     * without following links and becomes the next level; a stale temporary file is removed.
     *
     * @return false when the directory has no more entries
     */
    private boolean nextEntry(Level at) {
        Path entry;
        try {
            if (!at.entries().hasNext()) {
                return false;
            }
            entry = at.entries().next();
        } catch (DirectoryIteratorException e) {
            LOG.debug("endpoint {}: listing {} failed: {}", endpointId, at.rel(), e.getCause().toString());
            return false;
        }
        visited++;
        Path name = entry.getFileName();
        BasicFileAttributes a;
        try {
            a = at.stream().getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
        } catch (NoSuchFileException e) {
            return true; // removed while we looked (a commit, an abort)
        } catch (IOException e) {
            LOG.debug("endpoint {}: cannot stat {}: {}", endpointId, at.rel().resolve(name), e.toString());
            return true;
        }
        if (a.isDirectory()) {
            descend(at, name);
        } else if (a.isRegularFile() && PosixSession.isTempName(name.toString())) {
            removeIfStale(at, name, a);
        }
        return true;
    }

    private void descend(Level at, Path name) {
        if (levels.size() >= MAX_DEPTH) {
            tooDeep++;
            return;
        }
        try {
            // openat(O_NOFOLLOW): a directory swapped for a symlink since the stat fails here (ELOOP)
            SecureDirectoryStream<Path> child = at.stream().newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
            levels.push(new Level(at.rel().resolve(name), child, child.iterator()));
        } catch (IOException e) {
            LOG.debug("endpoint {}: not sweeping {}: {}", endpointId, at.rel().resolve(name), e.toString());
        }
    }

    private void removeIfStale(Level at, Path name, BasicFileAttributes a) {
        SecureDirectoryStream<Path> current = at.stream();
        Path rel = at.rel().resolve(name);
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

    private void closeQuietly(SecureDirectoryStream<Path> stream) {
        try {
            stream.close();
        } catch (IOException e) {
            LOG.debug("endpoint {}: closing a directory stream failed: {}", endpointId, e.toString());
        }
    }

    /** Drops a walk under way and its open directory stream. Idempotent. */
    @Override
    public void close() {
        abandon();
    }
}
