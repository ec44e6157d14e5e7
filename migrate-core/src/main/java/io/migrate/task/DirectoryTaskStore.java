package io.migrate.task;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.internal.Require;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The default {@link TaskStore}: one directory tree (the task root) on a filesystem shared by
 * the manager and every backend. Layout, file format, transitions and crash windows are specified
 * in {@code docs/task-root.md} (layout 2); in short:
 *
 * <pre>
 * layout.json                                      {"layout":2}: written once; a newer number is refused
 * incoming/.&lt;id&gt;.tmp                              being written by a submitter
 * pending/&lt;hour&gt;/&lt;bucket&gt;/&lt;id&gt;.json             not assigned
 * nodes/&lt;node&gt;/inbox/&lt;id&gt;.json                   assigned, not started
 * nodes/&lt;node&gt;/running/&lt;id&gt;.json                 claimed; lease = the file's mtime
 * done/&lt;hour&gt;/&lt;bucket&gt;/&lt;id&gt;~&lt;runId&gt;.json        finished; the result of that run is the result
 * archive/&lt;hour&gt;/&lt;bucket&gt;/&lt;id&gt;~&lt;runId&gt;.json     published
 * failed/&lt;hour&gt;/&lt;bucket&gt;/&lt;id&gt;~&lt;CODE&gt;~&lt;runId&gt;.json  given up or rejected; the reason is in the name,
 *                                                  the result of that run is the result
 * archive/&lt;hour&gt;/&lt;bucket&gt;/&lt;id&gt;~&lt;CODE&gt;~&lt;runId&gt;.json published from failed/
 * records/&lt;hour&gt;/&lt;id&gt;/result~&lt;runId&gt;.json        the result of one run, written by that run's host
 * records/&lt;hour&gt;/&lt;id&gt;/event~&lt;millis&gt;~&lt;hex&gt;.json  one history event, written once
 * records/&lt;hour&gt;/&lt;id&gt;/ledger~&lt;file&gt;~&lt;runId&gt;.jsonl one run's part ledger journal, appended by that run
 * </pre>
 * {@code <hour>} is the id's first 11 characters ({@code 20261125T08}), {@code <bucket>} its first
 * 14 (ten seconds of eligibility time, {@code 20261125T08185}): the id alone names the directory
 * of a task in every state, so {@link #find} never lists a large directory, and the dispatcher
 * reads {@code pending/} bucket by bucket in eligibility order, stopping when it has enough.
 *
 * <p><b>No task or record file is ever appended to or rewritten</b> (the one exception, a part
 * ledger journal, has a single writer and is no state: {@link #appendLedger}). A task file is written once by its submitter
 * and then only renamed; what a state change adds (a result, an event) goes to a new side file
 * under {@code records/}, whose name no other writer uses. The rename of the task file stays the
 * fence: a result becomes the committed one only when the rename to {@code done/}/{@code failed/}
 * naming its run succeeds. Files written by the previous layout (tasks directly in
 * {@code pending/}, {@code done/}, ..., records appended to the task file) are read as they are and
 * moved into their bucket when first listed or found; {@link #upgrade()} does all of them at once.
 *
 * <p>Every transition is one {@code rename} ({@link StandardCopyOption#ATOMIC_MOVE}) followed by an
 * fsync of the directories involved (skipped silently where the platform refuses to open a
 * directory). A rename whose source is gone is {@link MoveOutcome#LOST_RACE}, decided from the
 * rename's own {@code ENOENT} and, when the destination bucket may be missing, from whether
 * {@code mkdir} of the bucket creates it: never by looking up the source, because on a cluster
 * filesystem a lookup in a directory another client just changed can wait seconds for that
 * client's capabilities. Only where {@code ENOENT} may be the echo of a retransmitted rename that
 * succeeded (NFS; see {@link Builder#renameEnoentMayBeEcho(Boolean)}) is the destination looked up.
 *
 * <p>Every filesystem call is timed ({@link FsCalls}): a call blocked past the deadline is logged
 * with its thread's stack, and slow calls are counted ({@link #slowCalls()}).
 *
 * <p>Thread-safety: every method may be called concurrently from any number of threads and
 * processes; the store holds no mutable state besides its configuration, the count cache
 * (concurrent) and the call statistics.
 */
public final class DirectoryTaskStore implements TaskStore {
    private static final Logger log = LoggerFactory.getLogger(DirectoryTaskStore.class);
    private static final String NODES = "nodes";
    private static final String RECORDS = "records";
    /** Run id of a result derived from a failed/ name because the file holds none. */
    static final String DERIVED_RUN_ID = "derived";
    /** The layout this version writes and reads. */
    public static final int LAYOUT = 2;
    static final String LAYOUT_FILE = "layout.json";
    /** States whose files live in time buckets. */
    private static final Set<TaskState> BUCKETED =
            EnumSet.of(TaskState.PENDING, TaskState.DONE, TaskState.ARCHIVED, TaskState.FAILED);
    /** A bucket or hour is removed when empty only once its time is this far past (submits go to now). */
    private static final Duration EMPTY_BUCKET_GRACE = Duration.ofMinutes(2);
    /**
     * A directory's mtime read when it was listed is trusted to stand for that listing only if it
     * was this old then, so that a change in the same timestamp tick cannot hide behind it.
     */
    static final long SETTLE_NANOS = Duration.ofSeconds(2).toNanos();
    /** Where the bucket counts are kept between processes: {@code counts/<state>/<hour>}. */
    static final String COUNTS = "counts";

    private static final java.util.concurrent.atomic.AtomicLong EVENT_SEQUENCE =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

    private final Path root;
    private final Path incoming;
    private final Path pending;
    private final Path nodes;
    private final Path done;
    private final Path archive;
    private final Path failed;
    private final Path records;
    private final Path counts;
    private final TaskValidator validator;
    private final Clock clock;
    private final TaskFileCodec codec;
    private final boolean syncDirectories;
    /** Whether ENOENT from rename may hide a rename that succeeded (NFS retransmissions). */
    private final boolean enoentMayBeEcho;
    /** Whether files of the previous layout may still lie directly in a bucketed state's directory. */
    private volatile boolean mayHoldLooseFiles;
    private final FsCalls calls;
    private final ForeignEntries foreign;
    /** When the last sweep for foreign entries ended (nanoTime), or 0, and how long it took. */
    private volatile long lastForeignSweep;
    private volatile long lastForeignSweepNanos;
    private volatile ForeignSweep lastSweep;
    /**
     * Per bucket directory: {mtime nanos, count, listed-at nanos (wall clock)}: filled by counting,
     * by the leader's sweep and from {@code counts/}; see {@link #count}.
     */
    private final Map<Path, long[]> bucketCounts = new ConcurrentHashMap<>();
    /** Hour directories whose persisted counts this instance has read. */
    private final Set<Path> countsLoaded = ConcurrentHashMap.newKeySet();
    /** Hour directories with counts learnt since they were last persisted. */
    private final Set<Path> countsChanged = ConcurrentHashMap.newKeySet();

    /**
     * Test seam: runs in {@link #complete} and {@link #fail} after the result is written and
     * before the rename, to reproduce a zombie whose file moves in between. Never set in
     * production code.
     */
    volatile Consumer<Path> afterResultAppended = p -> { };

    private DirectoryTaskStore(Builder b) {
        this.root = b.root.toAbsolutePath().normalize();
        this.incoming = root.resolve(TaskState.INCOMING.directoryName());
        this.pending = root.resolve(TaskState.PENDING.directoryName());
        this.nodes = root.resolve(NODES);
        this.done = root.resolve(TaskState.DONE.directoryName());
        this.archive = root.resolve(TaskState.ARCHIVED.directoryName());
        this.failed = root.resolve(TaskState.FAILED.directoryName());
        this.records = root.resolve(RECORDS);
        this.counts = root.resolve(COUNTS);
        this.validator = b.validator;
        this.clock = b.clock;
        this.syncDirectories = b.syncDirectories;
        this.codec = new TaskFileCodec(validator);
        this.calls = new FsCalls(b.callDeadline);
        this.foreign = new ForeignEntries(root, clock, this::sweptBucket);
        try {
            boolean fresh = !Files.isDirectory(pending, LinkOption.NOFOLLOW_LINKS);
            for (Path dir : List.of(incoming, pending, nodes, done, archive, failed, records,
                    root.resolve(ForeignEntries.REJECTED))) {
                Files.createDirectories(dir);
            }
            Integer layout = readLayout();
            if (layout != null && layout > LAYOUT) {
                throw new ConfigurationException("taskStore.root", "the task root " + root + " has layout " + layout
                        + ", newer than this version supports (" + LAYOUT + "): upgrade this node");
            }
            if (layout == null && fresh) {
                writeLayout();
                layout = LAYOUT;
            }
            this.mayHoldLooseFiles = layout == null;
            String type = Files.getFileStore(pending).type();
            this.enoentMayBeEcho = b.enoentMayBeEcho != null ? b.enoentMayBeEcho : !trustsRenameEnoent(type);
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.TASK_STORE_IO, "cannot create the task root layout in " + root, e);
        }
        log.info("task root {} ({}, layout {}), rename ENOENT {}", root, fileStoreType(),
                mayHoldLooseFiles ? "1 (files are moved into buckets as they are met; run TaskRootUpgrade to do"
                        + " all now)" : String.valueOf(LAYOUT),
                enoentMayBeEcho ? "checked against the destination" : "trusted as a lost race");
    }

    private Integer readLayout() throws IOException {
        Path f = root.resolve(LAYOUT_FILE);
        String text;
        try {
            text = Files.readString(f);
        } catch (NoSuchFileException e) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"layout\"\\s*:\\s*(\\d{1,9})").matcher(text);
        if (!m.find()) {
            throw new ConfigurationException("taskStore.root", "unreadable " + f + ": " + TaskValidator.printable(text));
        }
        return Integer.parseInt(m.group(1));
    }

    private void writeLayout() throws IOException {
        Path temp = root.resolve("." + LAYOUT_FILE + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ("{\"layout\":" + LAYOUT + "}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ch.force(true);
        }
        Files.move(temp, root.resolve(LAYOUT_FILE), StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(root);
    }

    private String fileStoreType() {
        try {
            return Files.getFileStore(root).type();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Filesystems whose rename never reports ENOENT for a rename that took effect. */
    static boolean isLocalFileSystem(String type) {
        return switch (type) {
            case "ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "zfs", "f2fs", "jfs", "reiserfs", "overlay",
                    "apfs", "hfs", "NTFS", "ntfs", "ReFS" -> true;
            default -> false;
        };
    }

    /**
     * Filesystems whose rename reports ENOENT only when the source is gone: local ones, and CephFS
     * (the MDS answers a retransmitted request from its completed-request table, kernel client and
     * ceph-fuse alike). NFS and unknown types are not trusted.
     */
    static boolean trustsRenameEnoent(String type) {
        return isLocalFileSystem(type) || type.equals("ceph") || type.equals("fuse.ceph-fuse")
                || type.equals("fuse.ceph");
    }

    /** @return a builder; {@link Builder#root(Path)} is required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the task root (absolute) */
    public Path root() {
        return root;
    }

    /** @return the validator this store applies to submitted and read tasks */
    public TaskValidator validator() {
        return validator;
    }

    /**
     * Filesystem calls of this store that took longer than one second, and the longest call.
     *
     * @return the statistics since the store was built
     */
    public SlowCalls slowCalls() {
        return new SlowCalls(calls.slowCount(), calls.longest());
    }

    /**
     * Slow filesystem calls.
     *
     * @param count calls that took a second or more
     * @param longest the longest call of all
     */
    public record SlowCalls(long count, Duration longest) {
    }

    /**
     * The file a ref points to. Useful for diagnostics; all changes go through the store.
     *
     * @param ref a ref
     * @return its path (the file may have moved since the ref was made)
     */
    public Path pathOf(TaskRef ref) {
        return directoryOf(ref.state(), ref.node(), ref.taskId()).resolve(ref.fileName());
    }

    /**
     * The failure code a file in {@code failed/} carries in its name; readable even when the
     * file itself cannot be parsed.
     *
     * @param ref a ref in {@link TaskState#FAILED}
     * @return the code, or empty for other states and foreign names
     */
    public static Optional<ErrorCode> failureCode(TaskRef ref) {
        return TaskFileNames.failureCode(ref);
    }

    // ------------------------------------------------------------------ submit

    @Override
    public TaskRef submit(MigrationTask task) {
        validator.validate(task);
        byte[] bytes = codec.encodeTask(task);
        validator.checkFileSize(bytes.length);
        Path temp = incoming.resolve(TaskFileNames.tempName(task.id()));
        String name = TaskFileNames.activeName(task.id());
        Path target = directoryOf(TaskState.PENDING, null, task.id()).resolve(name);
        try (FsCalls.Call c = calls.begin("write", temp);
                FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, bytes);
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new MigrateException(ErrorCode.TASK_STORE_IO, "task " + task.id() + " is already being submitted", e);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new MigrateException(ErrorCode.TASK_STORE_IO, "cannot write task " + task.id() + " to " + temp, e);
        }
        // A task id names one task for its whole life: a second task with an id that exists in any
        // state would replace it (rename replaces) and later publish a second result under that id.
        if (find(task.id()).isPresent()) {
            deleteQuietly(temp);
            throw new MigrateException(ErrorCode.TASK_ID_EXISTS, "task " + task.id() + " already exists in "
                    + find(task.id()).map(r -> r.state().name()).orElse("the task root") + "; not submitted again");
        }
        if (publish(temp, target, task.id()) != MoveOutcome.MOVED) {
            // The temp file vanished: a cleaner judged it stale. Not acknowledged, so not lost.
            throw new MigrateException(ErrorCode.TASK_STORE_IO,
                    "temporary file of task " + task.id() + " disappeared before it reached pending/");
        }
        withTask(task.id(), () -> log.info("submitted task {} ({} files) to pending", task.id(), task.files().size()));
        return new TaskRef(task.id(), TaskState.PENDING, null, name);
    }

    // ------------------------------------------------------------------ listing

    @Override
    public Stream<TaskRef> list(TaskState state) {
        if (BUCKETED.contains(state)) {
            BucketIterator it = new BucketIterator(state);
            return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL),
                    false);
        }
        if (!state.perNode()) {
            return listFlat(state, null, directory(state, null));
        }
        List<TaskRef> refs = new ArrayList<>();
        for (String node : nodes()) {
            try (Stream<TaskRef> s = list(state, node)) {
                s.forEach(refs::add);
            }
        }
        refs.sort(Comparator.comparing(TaskRef::fileName).thenComparing(TaskRef::node));
        return refs.stream();
    }

    @Override
    public Stream<TaskRef> list(TaskState state, String node) {
        requirePerNode(state, node);
        if (!state.perNode()) {
            return list(state);
        }
        return listFlat(state, node, directory(state, node));
    }

    /** Reads names (and each entry's own type) only; never opens a task file. Foreign entries are skipped. */
    private Stream<TaskRef> listFlat(TaskState state, String node, Path dir) {
        List<String> names = names(dir, n -> TaskFileNames.isWellFormed(state, n));
        names.sort(null);
        return names.stream().map(n -> TaskFileNames.ref(state, node, n));
    }

    /**
     * Walks a bucketed state in name order, one bucket at a time: hours sorted, buckets of an hour
     * sorted, names of a bucket sorted, merged with the (sorted) files of the previous layout lying
     * directly in the state's directory, each of which is moved into its bucket as it is reached.
     * Holds one bucket's names at a time. Empty buckets and hours of {@code pending/} and
     * {@code done/} whose time is well past are removed on the way, so the walk to the oldest task
     * stays short.
     */
    private final class BucketIterator implements Iterator<TaskRef> {
        private final TaskState state;
        private final Path dir;
        private final Deque<String> loose = new ArrayDeque<>();
        private final Deque<String> hours = new ArrayDeque<>();
        private final Deque<String> buckets = new ArrayDeque<>();
        private final Deque<String> names = new ArrayDeque<>();
        private String hour;
        private String bucket;
        private TaskRef next;
        private final boolean removeEmpty;
        private final String emptyBefore;

        BucketIterator(TaskState state) {
            this.state = state;
            this.dir = directory(state, null);
            this.removeEmpty = state == TaskState.PENDING || state == TaskState.DONE || state == TaskState.FAILED;
            this.emptyBefore = TaskIds.newId(clock.instant().minus(EMPTY_BUCKET_GRACE)).substring(0,
                    TaskFileNames.BUCKET_LENGTH);
            List<String> top = new ArrayList<>();
            List<String> files = new ArrayList<>();
            for (String n : entryNames(dir, n -> true)) {
                if (TaskFileNames.isHourName(n)) {
                    top.add(n);
                } else if (TaskFileNames.isWellFormed(state, n)) {
                    files.add(n);
                }
            }
            top.sort(null);
            files.sort(null);
            hours.addAll(top);
            loose.addAll(files);
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                String bucketed = peekBucketed();
                String l = loose.peekFirst();
                if (bucketed == null && l == null) {
                    return false;
                }
                // Each emitted entry is checked to be a regular file here, lazily, so a tick that
                // reads 140 names of a bucket of 10,000 makes 140 lstat calls, not 10,000.
                if (l != null && (bucketed == null || l.compareTo(bucketed) < 0)) {
                    loose.removeFirst();
                    next = isRegularFile(dir.resolve(l)) ? adoptLoose(state, l) : null;
                } else {
                    names.removeFirst();
                    next = isRegularFile(dir.resolve(hour).resolve(bucket).resolve(bucketed))
                            ? TaskFileNames.ref(state, null, bucketed) : null;
                }
            }
            return true;
        }

        @Override
        public TaskRef next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            TaskRef r = next;
            next = null;
            return r;
        }

        /** The next name in the buckets, listing further buckets as needed; null at the end. */
        private String peekBucketed() {
            while (names.isEmpty()) {
                if (buckets.isEmpty()) {
                    if (hour != null && removeEmpty) {
                        removeIfEmpty(dir.resolve(hour), hour + "999"); // fails harmlessly if not empty
                    }
                    hour = hours.pollFirst();
                    bucket = null;
                    if (hour == null) {
                        return null;
                    }
                    List<String> bs = entryNames(dir.resolve(hour), n -> TaskFileNames.isBucketName(hour, n));
                    bs.sort(null);
                    buckets.addAll(bs);
                    continue;
                }
                bucket = buckets.pollFirst();
                Path b = dir.resolve(hour).resolve(bucket);
                List<String> ns = entryNames(b, n -> TaskFileNames.isWellFormed(state, n));
                if (ns.isEmpty()) {
                    if (removeEmpty) {
                        removeIfEmpty(b, bucket);
                    }
                    continue;
                }
                ns.sort(null);
                names.addAll(ns);
            }
            return names.peekFirst();
        }

        /** Removes an empty directory whose time is well past; a directory not empty or gone is left. */
        private void removeIfEmpty(Path d, String time) {
            if (time.compareTo(emptyBefore) >= 0) {
                return;
            }
            try (FsCalls.Call c = calls.begin("rmdir", d)) {
                Files.delete(d);
                bucketCounts.remove(d);
                if (d.getParent().equals(dir)) {
                    forgetHour(d);
                }
            } catch (IOException e) {
                // not empty (a task arrived) or already removed: both fine
            }
        }
    }

    /**
     * Moves a file of the previous layout, lying directly in a bucketed state's directory, into its
     * bucket. A name that is not a task id stays where it is (it is read, rejected and failed there).
     *
     * @return the ref of where it is now, or null if another caller moved it first
     */
    private TaskRef adoptLoose(TaskState state, String name) {
        TaskRef ref = TaskFileNames.ref(state, null, name);
        if (!TaskIds.isValid(ref.taskId())) {
            return ref;
        }
        Path source = directory(state, null).resolve(name);
        Path target = pathOf(ref);
        if (state != TaskState.PENDING) {
            // An ended task has a records directory (copies() looks for one before it lists the
            // terminal buckets); layout 1 kept its records inside the file.
            makeDirectories(recordsDir(ref.taskId()));
        }
        MoveOutcome o = rename(source, target, true);
        if (o == MoveOutcome.MOVED) {
            withTask(ref.taskId(), () -> log.info("moved {} of the previous layout into its bucket", source));
            return ref;
        }
        return null;
    }

    @Override
    public long count(TaskState state, String node) {
        if (state.perNode() && node == null) {
            long sum = 0;
            for (String n : nodes()) {
                sum += count(state, n);
            }
            return sum;
        }
        requirePerNode(state, node);
        if (BUCKETED.contains(state)) {
            return countBucketed(state);
        }
        // Counts what list() would return: a foreign entry is no backlog.
        return names(directory(state, node), n -> TaskFileNames.isWellFormed(state, n)).size();
    }

    /** Names in a bucket that are named like tasks of the state (types not checked: see countBucketed). */
    private long countDirectory(TaskState state, Path dir) {
        return entryNames(dir, n -> TaskFileNames.isWellFormed(state, n)).size();
    }

    /**
     * Counts a bucketed state without listing every bucket: a bucket whose directory mtime has not
     * changed since it was last counted (and had been stable for two seconds then, so a change in
     * the same clock tick cannot hide) keeps its cached count. Costs one {@code stat} per bucket
     * plus a listing of the buckets that changed. The cache outlives the process: an hour's counts
     * are kept in {@code counts/<state>/<hour>} (see {@link #persistCounts}), so the first count in
     * a new process (the CLI's {@code status}) costs the same, not a listing of every bucket.
     */
    private long countBucketed(TaskState state) {
        Path dir = directory(state, null);
        long total = 0;
        for (String n : entryNames(dir, n -> true)) {
            if (TaskFileNames.isWellFormed(state, n)) {
                // layout-1 files at the top are few: checked like listing checks them
                total += isRegularFile(dir.resolve(n)) ? 1 : 0;
            } else if (TaskFileNames.isHourName(n)) {
                Path hour = dir.resolve(n);
                loadCounts(state, hour);
                for (String b : entryNames(hour, x -> TaskFileNames.isBucketName(n, x))) {
                    total += cachedCount(state, hour.resolve(b));
                }
            }
        }
        persistCounts(state);
        return total;
    }

    private long cachedCount(TaskState state, Path bucket) {
        long mtime;
        try (FsCalls.Call c = calls.begin("stat", bucket)) {
            mtime = Files.getLastModifiedTime(bucket, LinkOption.NOFOLLOW_LINKS).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (NoSuchFileException e) {
            bucketCounts.remove(bucket);
            return 0;
        } catch (IOException e) {
            throw io("cannot read " + bucket, e);
        }
        long[] cached = bucketCounts.get(bucket);
        if (cached != null && cached[0] == mtime && cached[2] - mtime >= SETTLE_NANOS) {
            return cached[1];
        }
        // Wall clock, not the store's clock: mtimes are set by the filesystem from the real time.
        long listedAt = System.currentTimeMillis() * 1_000_000L;
        long count = countDirectory(state, bucket);
        learnCount(bucket, mtime, count, listedAt);
        return count;
    }

    /** Records a bucket's count; a settled one is also persisted with its hour. */
    private void learnCount(Path bucket, long mtime, long count, long listedAt) {
        bucketCounts.put(bucket, new long[] {mtime, count, listedAt});
        if (listedAt - mtime >= SETTLE_NANOS) {
            countsChanged.add(bucket.getParent());
        }
    }

    /** The leader's sweep listed a bucket: its count, for free. */
    private void sweptBucket(TaskState state, Path bucket, long mtime, long listedAt, long names) {
        long[] cached = bucketCounts.get(bucket);
        if (cached == null || cached[0] != mtime || cached[2] - cached[0] < SETTLE_NANOS) {
            learnCount(bucket, mtime, names, listedAt);
        }
    }

    private Path countsFile(Path hour) {
        return counts.resolve(hour.getParent().getFileName().toString()).resolve(hour.getFileName().toString());
    }

    /**
     * Reads an hour's persisted counts once per instance. A line is {@code <bucket> <mtime ns>
     * <count> <listed-at ns>}; what does not parse is ignored (the bucket is then listed). Counts
     * this instance already holds win.
     */
    private void loadCounts(TaskState state, Path hour) {
        if (!countsLoaded.add(hour)) {
            return;
        }
        Path f = countsFile(hour);
        Optional<byte[]> bytes;
        try (FsCalls.Call c = calls.begin("read", f)) {
            bytes = TaskRootFiles.readRegular(f, 1 << 20);
        } catch (IOException e) {
            log.debug("cannot read the persisted counts {}: {}", f, e.toString());
            return;
        }
        if (bytes.isEmpty()) {
            return;
        }
        String hourName = hour.getFileName().toString();
        for (String line : new String(bytes.get(), java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
            String[] f4 = line.split(" ");
            if (f4.length != 4 || !TaskFileNames.isBucketName(hourName, f4[0])) {
                continue;
            }
            try {
                long[] v = {Long.parseLong(f4[1]), Long.parseLong(f4[2]), Long.parseLong(f4[3])};
                if (v[1] >= 0) {
                    bucketCounts.putIfAbsent(hour.resolve(f4[0]), v);
                }
            } catch (NumberFormatException e) {
                // a damaged line: that bucket is listed
            }
        }
    }

    /**
     * Writes the settled counts of every hour of a state that learnt one since its last write, to
     * {@code counts/<state>/<hour>}: a temporary file renamed over the old one, so a reader sees
     * one whole version, each written by one host (whoever counted: the leader's sweep, a status
     * call). A cache, not state: no fsync, and a failure (a read-only mount) costs only the next
     * process a listing.
     */
    private void persistCounts(TaskState state) {
        Path stateDir = directory(state, null);
        for (Path hour : List.copyOf(countsChanged)) {
            if (!hour.getParent().equals(stateDir) || !countsChanged.remove(hour)) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (Map.Entry<Path, long[]> e : bucketCounts.entrySet()) {
                long[] v = e.getValue();
                if (e.getKey().getParent().equals(hour) && v[2] - v[0] >= SETTLE_NANOS) {
                    text.append(e.getKey().getFileName()).append(' ').append(v[0]).append(' ').append(v[1])
                            .append(' ').append(v[2]).append('\n');
                }
            }
            Path f = countsFile(hour);
            Path temp = f.resolveSibling("." + f.getFileName() + "." + Long.toHexString(System.nanoTime())
                    + TaskFileNames.TEMP_SUFFIX);
            try {
                writeTemporary(f.getParent(), temp, text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        false);
                try (FsCalls.Call c = calls.begin("rename", temp)) {
                    Files.move(temp, f, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (MigrateException | IOException e) {
                deleteQuietly(temp);
                log.debug("cannot persist the counts of {}: {}", hour, e.toString());
            }
        }
    }

    /** An hour directory was removed: its persisted counts go with it. */
    private void forgetHour(Path hour) {
        countsChanged.remove(hour);
        bucketCounts.keySet().removeIf(b -> b.getParent().equals(hour));
        deleteQuietly(countsFile(hour));
    }

    @Override
    public Set<String> nodes() {
        Set<String> result = new TreeSet<>();
        for (String n : entryNames(nodes, TaskFileNames::isValidNode)) {
            // A link named like a node would lead the store out of the task root.
            if (TaskRootFiles.isRealDirectory(nodes.resolve(n))) {
                result.add(n);
            }
        }
        return result;
    }

    @Override
    public void registerNode(String node) {
        requireNode(node);
        try (FsCalls.Call c = calls.begin("mkdir", nodes.resolve(node))) {
            // createDirectories follows links: a link at any of these names would put the node's
            // tasks outside the task root. Refuse; the leader moves such entries to rejected/.
            for (Path p : List.of(nodes.resolve(node), directory(TaskState.INBOX, node),
                    directory(TaskState.RUNNING, node))) {
                BasicFileAttributes a = TaskRootFiles.lstat(p);
                if (a != null && !a.isDirectory()) {
                    throw new MigrateException(ErrorCode.NOT_A_TASK_FILE, root.relativize(p)
                            + " is not a directory (a symbolic link or a file); move it away to register node " + node);
                }
            }
            Files.createDirectories(directory(TaskState.INBOX, node));
            Files.createDirectories(directory(TaskState.RUNNING, node));
            syncDirectory(nodes);
        } catch (IOException e) {
            throw io("cannot create the directories of node " + node, e);
        }
    }

    // ------------------------------------------------------------------ reading

    @Override
    public Optional<StoredTask> read(TaskRef ref) {
        Optional<TaskFileCodec.Decoded> decoded = decodeTaskFile(ref);
        if (decoded.isEmpty()) {
            return Optional.empty();
        }
        TaskFileCodec.Decoded d = decoded.get();
        List<TaskEvent> history = new ArrayList<>(d.history()); // records appended by the previous layout
        List<TaskResult> results = new ArrayList<>(d.results());
        String committedRun = TaskFileNames.parse(ref.state(), ref.fileName()).runId();
        readRecords(ref.taskId(), committedRun, history, results);
        Optional<TaskResult> result = Optional.empty();
        if (committedRun != null) {
            // Only the result of the run named in the file name counts: a zombie's result carries
            // another run id.
            for (TaskResult r : results) {
                if (committedRun.equals(r.runId())) {
                    result = Optional.of(r);
                }
            }
            if (result.isEmpty() && ref.state() != TaskState.FAILED) {
                withTask(ref.taskId(), () -> log.warn("{} names run {} but no readable result of it exists",
                        ref.fileName(), committedRun));
            }
        }
        return Optional.of(new StoredTask(ref, d.task(), history, result));
    }

    /**
     * The task file alone: its side files under {@code records/} are never listed or opened. They
     * were written by other hosts (the leader's reclaim events), and on a cluster filesystem each
     * lookup of a file another client has just written waits for the metadata server (CephFS: one
     * MDS tick per file, 5 s by default; CephFsIT measured 20-30 s per claimed task).
     */
    @Override
    public Optional<MigrationTask> readTask(TaskRef ref) {
        return decodeTaskFile(ref).map(TaskFileCodec.Decoded::task);
    }

    /** Reads and decodes the task file {@code ref} names; empty when it is gone or not a regular file. */
    private Optional<TaskFileCodec.Decoded> decodeTaskFile(TaskRef ref) {
        requireStored(ref);
        Path path = pathOf(ref);
        byte[] bytes;
        try (FsCalls.Call c = calls.begin("read", path)) {
            BasicFileAttributes a = TaskRootFiles.lstat(path);
            if (a == null || !a.isRegularFile()) {
                // Gone, or a foreign entry (link, directory, FIFO) that took the name: never opened;
                // the leader moves it to rejected/. For the caller it is simply not there.
                return Optional.empty();
            }
            validator.checkFileSize(a.size());
            Optional<byte[]> read = readBounded(path);
            if (read.isEmpty()) {
                return Optional.empty();
            }
            bytes = read.get();
        } catch (IOException e) {
            throw io("cannot read " + path, e);
        }
        TaskFileCodec.Decoded d = codec.decode(bytes);
        if (!d.task().id().equals(ref.taskId())) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "id", "task id "
                    + TaskValidator.printable(d.task().id()) + " does not match the file name "
                    + TaskValidator.printable(ref.fileName()));
        }
        return Optional.of(d);
    }

    /**
     * Reads a task's side files: every event, and the result of the committed run (other runs'
     * results are never read). One directory listing; nothing when the task has no side files.
     */
    private void readRecords(String taskId, String committedRun, List<TaskEvent> history, List<TaskResult> results) {
        if (!TaskIds.isValid(taskId)) {
            return;
        }
        Path dir = recordsDir(taskId);
        String resultName = committedRun == null ? null : TaskFileNames.resultName(committedRun);
        List<String> files = names(dir, n -> n.startsWith(TaskFileNames.EVENT_PREFIX) && n.endsWith(TaskFileNames.SUFFIX)
                || n.equals(resultName));
        files.sort(null); // event names sort by time, then by the writer's sequence
        for (String n : files) {
            Path f = dir.resolve(n);
            try (FsCalls.Call c = calls.begin("read", f)) {
                Optional<byte[]> read = readBounded(f);
                if (read.isEmpty()) {
                    continue; // not a regular file: never opened
                }
                byte[] bytes = read.get();
                List<TaskResult> rs = new ArrayList<>();
                codec.decodeRecords(bytes, history, rs);
                if (n.equals(resultName)) {
                    results.addAll(rs);
                }
            } catch (IOException e) {
                throw io("cannot read " + f, e);
            }
        }
    }

    @Override
    public Optional<TaskResult> result(TaskRef ref) {
        requireStored(ref);
        if (ref.state() != TaskState.DONE && ref.state() != TaskState.ARCHIVED && ref.state() != TaskState.FAILED) {
            return Optional.empty();
        }
        TaskFileNames.Parsed name = TaskFileNames.parse(ref.state(), ref.fileName());
        if (name.runId() != null && TaskIds.isValid(ref.taskId())) {
            // Layout 2: the committed run's own side file.
            Path f = recordsDir(ref.taskId()).resolve(TaskFileNames.resultName(name.runId()));
            try (FsCalls.Call c = calls.begin("read", f)) {
                Optional<byte[]> bytes = readBounded(f);
                if (bytes.isPresent()) {
                    List<TaskResult> rs = new ArrayList<>();
                    codec.decodeRecords(bytes.get(), new ArrayList<>(), rs);
                    for (TaskResult r : rs) {
                        if (name.runId().equals(r.runId()) && r.taskId().equals(ref.taskId())) {
                            return Optional.of(r);
                        }
                    }
                }
            } catch (IOException e) {
                throw io("cannot read " + f, e);
            }
        }
        // Layout 1: records appended to the task file; or a failed/ file without any result.
        Path path = pathOf(ref);
        byte[] bytes;
        try (FsCalls.Call c = calls.begin("read", path)) {
            bytes = readForResult(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io("cannot read " + path, e);
        }
        TaskFileCodec.Salvaged s = codec.salvage(bytes);
        if (name.runId() != null) {
            for (TaskResult r : s.results()) {
                if (name.runId().equals(r.runId()) && r.taskId().equals(ref.taskId())) {
                    return Optional.of(r);
                }
            }
        }
        if (name.failureCode() == null) {
            return Optional.empty(); // done/ or archive/ without its committed result: not a result
        }
        // failed/ (or archived from there) without a readable result: a file failed by an older
        // release, or by hand. The result is derived from the name, the same on every read.
        List<TaskEvent> history = new ArrayList<>(s.history());
        if (TaskIds.isValid(ref.taskId())) {
            readRecords(ref.taskId(), null, history, new ArrayList<>());
        }
        String reason = null;
        for (TaskEvent e : history) {
            if (e.type() == TaskEvent.Type.FAILED) {
                reason = e.reason();
            }
        }
        MigrationTask task = s.task() != null && s.task().id().equals(ref.taskId()) ? s.task() : null;
        ErrorCode code = name.failureCode();
        TaskResult derived = TaskResult.ended(ref.taskId(), task == null ? 1 : task.attempt(),
                task == null ? List.of() : task.files(), null, null, TaskResult.endedOutcome(code, task != null), code,
                reason == null ? "task file in failed/ holds no result record" : reason);
        return Optional.of(new TaskResult(derived.taskId(), derived.attempt(), DERIVED_RUN_ID, null, null, null,
                derived.outcome(), code, derived.message(), derived.files(), null));
    }

    /**
     * The whole file, or its tail when it is larger than the limit (layout 1 appended records at
     * the end). Like every read here: never through a link, only a regular file.
     *
     * @throws NoSuchFileException when the entry is gone or is not a regular file
     */
    private byte[] readForResult(Path path) throws IOException {
        BasicFileAttributes a = TaskRootFiles.lstat(path);
        if (a == null || !a.isRegularFile()) {
            throw new NoSuchFileException(path.toString());
        }
        long max = validator.maxTaskFileBytes();
        if (a.size() <= max) {
            return TaskRootFiles.readRegular(path, max).orElseThrow(() -> new NoSuchFileException(path.toString()));
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            int n = (int) Math.min(Integer.MAX_VALUE - 8, max);
            ByteBuffer buf = ByteBuffer.allocate(n);
            long pos = Math.max(0, ch.size() - n);
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
                    break;
                }
            }
            return java.util.Arrays.copyOf(buf.array(), buf.position());
        }
    }

    /** Reads at most the size limit plus one byte, so a file that grew meanwhile is still caught. */
    private Optional<byte[]> readBounded(Path path) throws IOException {
        Optional<byte[]> bytes = TaskRootFiles.readRegular(path, validator.maxTaskFileBytes() + 1);
        bytes.ifPresent(b -> validator.checkFileSize(b.length));
        return bytes;
    }

    @Override
    public Optional<TaskRef> find(String taskId) {
        if (taskId == null || taskId.isEmpty() || taskId.indexOf('/') >= 0 || taskId.indexOf('\0') >= 0
                || taskId.startsWith(".")) {
            return Optional.empty();
        }
        // A task moving while we look may be missed by one pass; states are visited in
        // lifecycle order and the search repeated, which catches it unless it keeps moving.
        for (int pass = 0; pass < 3; pass++) {
            Optional<TaskRef> found = findOnce(taskId);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /**
     * Looks where the id says the task is: its pending file, each node's inbox and running
     * directory, and the one bucket of done/, archive/ and failed/ its id names (a listing of ten
     * seconds' worth of tasks). Roots of the previous layout are also looked at directly.
     */
    private Optional<TaskRef> findOnce(String taskId) {
        List<TaskRef> found = locate(taskId, true, true);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: one pass over the places a task can be, in lifecycle order, without retrying. The
     * buckets of {@code done/}, {@code archive/} and {@code failed/} (ten seconds' worth of tasks
     * each: about 6 ms of CPU per 10,000 names) are listed only when the task has a records directory
     * ({@code records/<hour>/<id>/}, one {@code lstat}): the store writes a task's result there before
     * the rename that ends it, and a file of layout 1 that ended gets one when it is moved into its
     * bucket, so a task without it has never ended. A copy restored by hand into one of those states
     * without its records is found by the leader's sweep ({@link #quarantineForeign()}) instead.
     */
    @Override
    public List<TaskRef> copies(String taskId) {
        if (!TaskIds.isValid(taskId)) {
            return List.of();
        }
        return locate(taskId, false, exists(recordsDir(taskId)));
    }

    /**
     * Where a task id is, in lifecycle order; stops at the first place when {@code first}. Looks
     * where the id says the task is: its pending file, each node's inbox and running directory,
     * and the one bucket of done/, archive/ and failed/ its id names (a listing of ten seconds'
     * worth of tasks). Roots of the previous layout are also looked at directly.
     */
    private List<TaskRef> locate(String taskId, boolean first, boolean ended) {
        List<TaskRef> found = new ArrayList<>(1);
        String active = TaskFileNames.activeName(taskId);
        boolean valid = TaskIds.isValid(taskId);
        TaskRef pendingRef = new TaskRef(taskId, TaskState.PENDING, null, active);
        if (isRegularFile(pathOf(pendingRef))) {
            found.add(pendingRef);
        } else if (valid && isRegularFile(pending.resolve(active))) {
            TaskRef adopted = adoptLoose(TaskState.PENDING, active);
            if (adopted != null) {
                found.add(adopted);
            }
        }
        if (first && !found.isEmpty()) {
            return found;
        }
        for (String node : nodes()) {
            for (TaskState s : List.of(TaskState.INBOX, TaskState.RUNNING)) {
                if (isRegularFile(directory(s, node).resolve(active))) {
                    found.add(new TaskRef(taskId, s, node, active));
                    if (first) {
                        return found;
                    }
                }
            }
        }
        if (!ended) {
            return found;
        }
        String prefix = taskId + TaskFileNames.SEPARATOR;
        for (TaskState s : List.of(TaskState.DONE, TaskState.ARCHIVED, TaskState.FAILED)) {
            Path dir = directoryOf(s, null, taskId);
            for (String name : names(dir, n -> n.startsWith(prefix) && TaskFileNames.isWellFormed(s, n))) {
                TaskRef ref = TaskFileNames.ref(s, null, name);
                if (ref.taskId().equals(taskId)) {
                    found.add(ref);
                    if (first) {
                        return found;
                    }
                }
            }
            if (valid) {
                // Files of layout 1 or dropped by hand at the top of the state: one listing of a
                // directory that otherwise holds only its hours (168 in a week of archive).
                for (String name : names(directory(s, null), n -> n.startsWith(prefix) && TaskFileNames.isWellFormed(s, n))) {
                    TaskRef ref = TaskFileNames.ref(s, null, name);
                    if (ref.taskId().equals(taskId)) {
                        TaskRef adopted = adoptLoose(s, name);
                        if (adopted != null) {
                            found.add(adopted);
                            if (first) {
                                return found;
                            }
                        }
                    }
                }
            }
        }
        if (isRegularFile(failed.resolve(active))) {
            found.add(new TaskRef(taskId, TaskState.FAILED, null, active));
        }
        return found;
    }

    private boolean isRegularFile(Path p) {
        try (FsCalls.Call c = calls.begin("lookup", p)) {
            return TaskRootFiles.isRegularFile(p);
        }
    }

    private boolean isDirectory(Path p) {
        try (FsCalls.Call c = calls.begin("lookup", p)) {
            return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private boolean exists(Path p) {
        try (FsCalls.Call c = calls.begin("lookup", p)) {
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        }
    }

    // ------------------------------------------------------------------ transitions

    @Override
    public MoveOutcome move(TaskRef ref, TaskState to, String toNode) {
        return move(ref, to, toNode, null);
    }

    @Override
    public MoveOutcome move(TaskRef ref, TaskState to, String toNode, TaskEvent event) {
        requireStored(ref);
        Objects.requireNonNull(to, "to");
        if (to == TaskState.DONE) {
            throw new IllegalArgumentException("tasks reach done/ only through complete(), with their result");
        }
        if (to == TaskState.FAILED) {
            throw new IllegalArgumentException("tasks reach failed/ only through fail(), with a code");
        }
        if (to == TaskState.INCOMING) {
            throw new IllegalArgumentException("incoming/ holds only files being submitted");
        }
        requirePerNode(to, toNode);
        // archive/ keeps the done name (it says which result is the committed one).
        String name = to == TaskState.ARCHIVED ? ref.fileName() : TaskFileNames.activeName(ref.taskId());
        Path source = pathOf(ref);
        Path target = directoryOf(to, toNode, ref.taskId()).resolve(name);
        if (source.equals(target)) {
            throw new IllegalArgumentException("task " + ref.taskId() + " is already in " + to);
        }
        MoveOutcome outcome = rename(source, target, BUCKETED.contains(to));
        if (outcome == MoveOutcome.MOVED) {
            if (to == TaskState.RUNNING || to == TaskState.ARCHIVED) {
                // A claimed task's lease starts now, not when it was submitted; an archived
                // task's retention starts when it was published. Only the file's owner does this.
                setModifiedNow(target);
            }
            if (event != null) {
                // History is best effort: the move happened, the event says why. Its own file:
                // nobody appends to the task file, which other hosts may be renaming meanwhile.
                writeEvent(ref.taskId(), event);
            }
        }
        withTask(ref.taskId(), () -> log.debug("move {} {}/{} -> {}/{}: {}", ref.taskId(), ref.state(),
                ref.node(), to, toNode, outcome));
        return outcome;
    }

    @Override
    public boolean touchLease(TaskRef running) {
        requireState(running, TaskState.RUNNING);
        return setModifiedNow(pathOf(running));
    }

    @Override
    public Optional<Instant> leaseRenewedAt(TaskRef running) {
        requireState(running, TaskState.RUNNING);
        Path p = pathOf(running);
        try (FsCalls.Call c = calls.begin("stat", p)) {
            return TaskRootFiles.modifiedTimeRegular(p);
        } catch (IOException e) {
            throw io("cannot read the lease of " + p, e);
        }
    }

    @Override
    public MoveOutcome complete(TaskRef running, TaskResult result) {
        requireState(running, TaskState.RUNNING);
        requireResult(running, result);
        Path source = pathOf(running);
        if (!isRegularFile(source)) {
            // Gone (taken back), or a foreign entry that took the name: nothing of ours to commit.
            logLost(running, "complete");
            return MoveOutcome.LOST_RACE;
        }
        // The result first, as its own file named by this run: durable before the rename makes it
        // the committed one. If this node was presumed dead and the task taken back, the rename
        // below loses and the file is an orphan no name refers to (removed with the task's
        // records when the task is purged).
        writeResult(running.taskId(), result);
        afterResultAppended.accept(source);
        MoveOutcome outcome = rename(source,
                directoryOf(TaskState.DONE, null, running.taskId()).resolve(
                        TaskFileNames.doneName(running.taskId(), result.runId())), true);
        withTask(running.taskId(), () -> {
            if (outcome == MoveOutcome.MOVED) {
                log.info("task {} completed on {} ({}, run {})", running.taskId(), running.node(), result.outcome(),
                        result.runId());
            } else {
                logLost(running, "complete");
            }
        });
        return outcome;
    }

    @Override
    public MoveOutcome fail(TaskRef ref, ErrorCode code, String message, TaskResult result) {
        requireStored(ref);
        Objects.requireNonNull(code, "code");
        if (ref.state() == TaskState.FAILED) {
            throw new IllegalArgumentException("task " + ref.taskId() + " is already in failed/");
        }
        Path source = pathOf(ref);
        if (result == null) {
            result = endedResult(ref, source, code, message);
            if (result == null) {
                logLost(ref, "fail");
                return MoveOutcome.LOST_RACE;
            }
        }
        requireResult(ref, result);
        String runId = result.runId();
        if (!isRegularFile(source)) {
            logLost(ref, "fail");
            return MoveOutcome.LOST_RACE;
        }
        // Like complete(): the result is durable in its own file before the rename publishes it.
        writeResult(ref.taskId(), result);
        afterResultAppended.accept(source);
        Path target = directoryOf(TaskState.FAILED, null, ref.taskId())
                .resolve(TaskFileNames.failedName(ref.taskId(), code, runId));
        MoveOutcome outcome = rename(source, target, true);
        if (outcome == MoveOutcome.MOVED) {
            TaskEvent event = new TaskEvent(clock.instant(), 0, TaskEvent.Type.FAILED, ref.node(), null,
                    code + (message == null ? "" : ": " + message));
            writeEvent(ref.taskId(), event);
        }
        withTask(ref.taskId(), () -> {
            if (outcome == MoveOutcome.MOVED) {
                log.info("task {} failed from {}: {} {}", ref.taskId(), ref.state(), code, message);
            } else {
                logLost(ref, "fail");
            }
        });
        return outcome;
    }

    /**
     * The result of a task failed without one: its files (when readable) failed with the code;
     * null when gone. No node executed it: any node's outbox may publish it at once.
     */
    private TaskResult endedResult(TaskRef ref, Path source, ErrorCode code, String message) {
        byte[] bytes;
        try (FsCalls.Call c = calls.begin("read", source)) {
            bytes = readForResult(source);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw io("cannot read " + source, e);
        }
        MigrationTask task = codec.salvage(bytes).task();
        if (task != null && !task.id().equals(ref.taskId())) {
            task = null;
        }
        return TaskResult.ended(ref.taskId(), task == null ? 1 : task.attempt(), task == null ? List.of() : task.files(),
                null, clock.instant(), TaskResult.endedOutcome(code, task != null), code, message);
    }

    // ------------------------------------------------------------------ side files

    private Path recordsDir(String taskId) {
        return records.resolve(TaskFileNames.hourOf(taskId)).resolve(taskId);
    }

    /**
     * Writes the result of one run to {@code records/<hour>/<id>/result~<runId>.json}: a temporary
     * file, fsync, rename, fsync of the directory. Only the host running that run writes this name;
     * writing it again (a retried complete) replaces it whole.
     */
    private void writeResult(String taskId, TaskResult result) {
        if (!TaskIds.isValid(taskId)) {
            // Submitted tasks always have valid ids; a hand-written file never reaches a worker.
            throw new IllegalArgumentException("not a task id: " + TaskValidator.printable(taskId));
        }
        Path dir = recordsDir(taskId);
        writeSideFile(dir, TaskFileNames.resultName(result.runId()), codec.encodeResult(result), true);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: {@code records/<hour>/<id>/retry.json} holds the id. It is created once: a temporary
     * file, fsync, then a hard link to the final name, which fails instead of replacing when an
     * earlier (or a racing zombie) run of the task linked its own first; then that one is read.
     */
    @Override
    public String retryIdFor(String taskId, String proposed) {
        if (!TaskIds.isValid(taskId) || !TaskIds.isValid(proposed)) {
            throw new IllegalArgumentException("not task ids: " + TaskValidator.printable(taskId) + ", "
                    + TaskValidator.printable(proposed));
        }
        Path dir = recordsDir(taskId);
        Path file = dir.resolve(TaskFileNames.RETRY_NAME);
        Optional<String> chosen = readRetryId(file);
        if (chosen.isPresent()) {
            return chosen.get();
        }
        byte[] bytes = codec.encodeRetryId(proposed);
        Path temp = dir.resolve("." + TaskFileNames.RETRY_NAME + "." + Long.toHexString(System.nanoTime())
                + TaskFileNames.TEMP_SUFFIX);
        writeTemporary(dir, temp, bytes, true);
        try (FsCalls.Call c = calls.begin("link", file)) {
            Files.createLink(file, temp);
            syncDirectory(dir);
            return proposed;
        } catch (FileAlreadyExistsException e) {
            return readRetryId(file).orElseThrow(() -> io("unreadable retry id in " + file, e));
        } catch (IOException e) {
            throw io("cannot create " + file, e);
        } finally {
            deleteQuietly(temp);
        }
    }

    @Override
    public Optional<String> retryId(String taskId) {
        return TaskIds.isValid(taskId) ? readRetryId(recordsDir(taskId).resolve(TaskFileNames.RETRY_NAME))
                : Optional.empty();
    }

    /** The retry id in {@code file}, if it exists (a regular file) and holds a valid id. */
    private Optional<String> readRetryId(Path file) {
        try (FsCalls.Call c = calls.begin("read", file)) {
            return TaskRootFiles.readRegular(file, 1024).map(codec::decodeRetryId).filter(TaskIds::isValid);
        } catch (IOException e) {
            throw io("cannot read " + file, e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: {@code records/<hour>/<id>/ledger~<file>~<runId>.jsonl}, one record per line. The
     * header is written like every side file (hidden temporary name, rename), so a journal is never
     * seen without its header; it is fsync'd, and its directory, unless the store was built with
     * {@link Builder#syncDirectories(boolean) syncDirectories(false)}.
     */
    @Override
    public boolean startLedger(String taskId, String runId, int file, byte[] header) {
        requireLedgerName(taskId, runId, file);
        requireLedgerRecord(header, MAX_LEDGER_HEADER_BYTES);
        writeSideFile(recordsDir(taskId), TaskFileNames.ledgerName(file, runId), line(header), syncDirectories);
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: one {@code write} of the records, each with its line feed, at the end of the run's journal
     * (opened without following links, never created), then {@code fdatasync} unless the store was
     * built with {@link Builder#syncDirectories(boolean) syncDirectories(false)}: the part is then
     * recorded before the mover counts it done. A failed write is cut back off the journal, so a
     * later append never follows a torn record.
     */
    @Override
    public boolean appendLedger(String taskId, String runId, int file, List<byte[]> records) {
        requireLedgerName(taskId, runId, file);
        if (records.isEmpty() || records.size() > MAX_LEDGER_RECORDS) {
            throw new IllegalArgumentException("part ledger append of " + records.size() + " records, 1 to "
                    + MAX_LEDGER_RECORDS);
        }
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream(records.size() * 64);
        for (byte[] record : records) {
            requireLedgerRecord(record, MAX_LEDGER_RECORD_BYTES);
            lines.write(record, 0, record.length);
            lines.write('\n');
        }
        byte[] bytes = lines.toByteArray();
        Path f = recordsDir(taskId).resolve(TaskFileNames.ledgerName(file, runId));
        try (FsCalls.Call c = calls.begin("append", f)) {
            if (!TaskRootFiles.isRegularFile(f)) {
                return false; // never started, removed with its task, or replaced by something else
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                long end = ch.size();
                if (end + bytes.length > MAX_LEDGER_BYTES) {
                    throw new IllegalArgumentException("part ledger " + f + " holds " + end + " bytes, at most "
                            + MAX_LEDGER_BYTES);
                }
                try {
                    // Positional, not O_APPEND: only this run appends, and the position is what a
                    // failed write is cut back to.
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        ch.write(buf, end + buf.position());
                    }
                    if (syncDirectories) {
                        ch.force(false);
                    }
                } catch (IOException e) {
                    try {
                        ch.truncate(end);
                    } catch (IOException again) {
                        e.addSuppressed(again);
                    }
                    throw e;
                }
            }
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw io("cannot append to " + f, e);
        }
    }

    @Override
    public List<Ledger> ledgers(String taskId, int file) {
        requireLedgerName(taskId, "r", file);
        Path dir = recordsDir(taskId);
        String prefix = TaskFileNames.ledgerPrefix(file);
        List<Ledger> out = new ArrayList<>();
        for (String n : names(dir, n -> n.startsWith(prefix) && n.endsWith(TaskFileNames.JOURNAL_SUFFIX))) {
            String runId = n.substring(prefix.length(), n.length() - TaskFileNames.JOURNAL_SUFFIX.length());
            if (!TaskFileNames.isValidRunId(runId)) {
                continue;
            }
            Path f = dir.resolve(n);
            Optional<byte[]> bytes;
            try (FsCalls.Call c = calls.begin("read", f)) {
                bytes = TaskRootFiles.readRegular(f, MAX_LEDGER_BYTES + 1L);
            } catch (IOException e) {
                throw io("cannot read " + f, e);
            }
            if (bytes.isEmpty()) {
                continue;
            }
            if (bytes.get().length > MAX_LEDGER_BYTES) {
                log.debug("part ledger {} is larger than {} bytes, ignored", f, MAX_LEDGER_BYTES);
                continue;
            }
            Ledger l = splitJournal(runId, bytes.get());
            if (l == null) {
                log.debug("part ledger {} has no complete header, ignored", f);
                continue;
            }
            out.add(l);
        }
        return out;
    }

    /**
     * A journal's lines: the first is the header, each further complete line a record; bytes after
     * the last line feed are a record torn by a crash during its append, and dropped.
     *
     * @return the journal, or null without a complete header
     */
    static Ledger splitJournal(String runId, byte[] bytes) {
        List<byte[]> lines = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(java.util.Arrays.copyOfRange(bytes, from, i));
                from = i + 1;
            }
        }
        if (lines.isEmpty()) {
            return null;
        }
        List<byte[]> records = lines.subList(1, Math.min(lines.size(), 1 + MAX_LEDGER_RECORDS));
        return new Ledger(runId, lines.get(0), records);
    }

    private static byte[] line(byte[] record) {
        byte[] b = java.util.Arrays.copyOf(record, record.length + 1);
        b[record.length] = '\n';
        return b;
    }

    private static void requireLedgerRecord(byte[] record, int max) {
        if (record.length == 0 || record.length > max) {
            throw new IllegalArgumentException("part ledger record of " + record.length + " bytes, 1 to " + max);
        }
        for (byte b : record) {
            if (b == '\n') {
                throw new IllegalArgumentException("part ledger record with a line feed");
            }
        }
    }

    private static void requireLedgerName(String taskId, String runId, int file) {
        if (!TaskIds.isValid(taskId) || !TaskFileNames.isValidRunId(runId) || file < 0) {
            throw new IllegalArgumentException("not a ledger of a task file: " + TaskValidator.printable(taskId)
                    + ", run " + TaskValidator.printable(String.valueOf(runId)) + ", file " + file);
        }
    }

    /** Writes one history event to its own file; best effort (logged, never thrown). */
    private void writeEvent(String taskId, TaskEvent event) {
        if (!TaskIds.isValid(taskId)) {
            return; // a file whose name is no id has no records; its reason is in its failed/ name
        }
        // Within one millisecond, this host's sequence orders its own events; the random part keeps
        // two hosts' names apart.
        String unique = String.format("%016x", EVENT_SEQUENCE.incrementAndGet()) + TaskFileNames.SEPARATOR
                + String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt());
        try {
            writeSideFile(recordsDir(taskId), TaskFileNames.eventName(event.time().toEpochMilli(), unique),
                    codec.encodeEvent(event), false);
        } catch (MigrateException e) {
            withTask(taskId, () -> log.warn("could not record event {} of task {}: {}", event.type(), taskId,
                    e.getMessage()));
        }
    }

    private void writeSideFile(Path dir, String name, byte[] bytes, boolean durable) {
        Path temp = dir.resolve("." + name + "." + Long.toHexString(System.nanoTime()) + TaskFileNames.TEMP_SUFFIX);
        writeTemporary(dir, temp, bytes, durable);
        try (FsCalls.Call c = calls.begin("rename", temp)) {
            Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw io("cannot rename " + temp, e);
        }
        if (durable) {
            syncDirectory(dir);
        }
    }

    /** Creates {@code temp} in {@code dir} (and {@code dir} if missing) with {@code bytes}, fsynced when durable. */
    private void writeTemporary(Path dir, Path temp, byte[] bytes, boolean durable) {
        for (int attempt = 0; ; attempt++) {
            try (FsCalls.Call c = calls.begin("write", temp);
                    FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(ch, bytes);
                if (durable) {
                    ch.force(true);
                }
                return;
            } catch (NoSuchFileException e) {
                if (attempt >= 3) {
                    throw io("cannot create " + temp, e);
                }
                makeDirectories(dir);
            } catch (IOException e) {
                deleteQuietly(temp);
                throw io("cannot write " + temp, e);
            }
        }
    }

    // ------------------------------------------------------------------ housekeeping

    /**
     * {@inheritDoc}
     *
     * <p>Here: renamed to {@code rejected/<time>-<hex>~<CODE>~<where>~<name>}, one WARN line.
     */
    @Override
    public MoveOutcome reject(TaskRef ref, ErrorCode code, String reason) {
        requireStored(ref);
        Objects.requireNonNull(code, "code");
        String where = ref.node() == null ? ref.state().directoryName()
                : "nodes." + ref.node() + "." + ref.state().directoryName();
        try {
            boolean moved = foreign.quarantine(pathOf(ref), where, code, reason);
            if (moved) {
                syncDirectory(root.resolve(ForeignEntries.REJECTED));
            }
            return moved ? MoveOutcome.MOVED : MoveOutcome.LOST_RACE;
        } catch (IOException e) {
            throw io("cannot move " + pathOf(ref) + " to rejected/", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: every entry of {@code pending/}, {@code nodes/}, {@code nodes/<n>/inbox|running/},
     * {@code done/}, {@code archive/} and {@code failed/} (their hours and buckets included) that is
     * not a regular file named like a task of that directory, and every duplicate task id, is
     * renamed into {@code rejected/} (see {@link ForeignEntries}); names starting with {@code .} are
     * left alone. The first sweep of an instance looks at every entry of the root; later ones list
     * only the bucket directories that changed since a sweep found them clean (an {@code lstat} per
     * hour and bucket directory, plus the buckets the dispatcher, the workers and the outbox
     * changed). A sweep is paced by its own cost: after a sweep that took {@code d}, calls return 0
     * at once for {@code 9 × d}, at most 10 % of the calling thread's time. Its heap is one bucket's
     * names at a time, plus one mtime per clean bucket. The counts of the buckets it lists feed
     * {@link #count}.
     */
    @Override
    public int quarantineForeign() {
        long now = System.nanoTime();
        if (lastForeignSweep != 0 && now - lastForeignSweep < 9 * lastForeignSweepNanos) {
            return 0;
        }
        try (FsCalls.Call c = calls.begin("sweep", root)) {
            ForeignEntries.Sweep sweep = foreign.sweep();
            lastForeignSweep = System.nanoTime();
            lastForeignSweepNanos = lastForeignSweep - now;
            lastSweep = new ForeignSweep(clock.instant(), Duration.ofNanos(lastForeignSweepNanos), sweep.moved(),
                    sweep.entriesChecked(), sweep.bucketsListed(), sweep.bucketsSkipped());
            if (sweep.moved() > 0) {
                syncDirectory(root.resolve(ForeignEntries.REJECTED));
            }
            for (TaskState s : BUCKETED) {
                persistCounts(s);
            }
            return sweep.moved();
        } catch (IOException e) {
            throw io("cannot move foreign entries of " + root + " to rejected/", e);
        }
    }

    /**
     * What the last sweep for foreign entries ({@link #quarantineForeign()}) of this instance did.
     *
     * @return its statistics, or empty before the first sweep
     */
    public Optional<ForeignSweep> lastForeignSweep() {
        return Optional.ofNullable(lastSweep);
    }

    /**
     * One sweep for foreign entries.
     *
     * @param at when it ended (the store's clock)
     * @param took how long it took
     * @param moved entries moved to {@code rejected/}
     * @param entriesChecked entries it looked at with {@code lstat}
     * @param bucketsListed bucket directories it listed
     * @param bucketsSkipped bucket directories it did not list: unchanged since a sweep found them clean
     */
    public record ForeignSweep(Instant at, Duration took, int moved, long entriesChecked, long bucketsListed,
            long bucketsSkipped) {
    }

    @Override
    public int purgeArchive(Duration retention) {
        Require.positive("retention", retention);
        Instant cutoff = clock.instant().minus(retention);
        int removed = 0;
        List<TaskRef> old = new ArrayList<>();
        try (Stream<TaskRef> s = list(TaskState.ARCHIVED)) {
            Iterator<TaskRef> it = s.iterator();
            while (it.hasNext()) {
                TaskRef ref = it.next();
                Path p = pathOf(ref);
                if (deleteIfOlder(p, cutoff)) {
                    removed++;
                    old.add(ref);
                }
            }
        }
        for (TaskRef ref : old) {
            if (TaskIds.isValid(ref.taskId())) {
                deleteTree(recordsDir(ref.taskId()));
            }
        }
        if (removed > 0) {
            syncDirectory(archive);
            log.info("purged {} archived tasks older than {}", removed, retention);
        }
        removeEmptyDirectories(archive, cutoff);
        removeEmptyDirectories(records, cutoff);
        return removed;
    }

    /** Removes empty hour and bucket directories older than the cutoff (a mtime that old is settled). */
    private void removeEmptyDirectories(Path state, Instant cutoff) {
        // entryNames, not names: hours and buckets are directories (names() returns regular files only,
        // which left every empty archive hour and bucket in place).
        for (String hour : entryNames(state, TaskFileNames::isHourName)) {
            Path h = state.resolve(hour);
            for (String sub : entryNames(h, n -> !n.startsWith("."))) {
                Path d = h.resolve(sub);
                try {
                    if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(d, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                        Files.delete(d);
                        bucketCounts.remove(d);
                    }
                } catch (IOException e) {
                    // not empty, or gone: fine
                }
            }
            try {
                Files.delete(h);
                if (state.equals(archive)) {
                    forgetHour(h);
                }
            } catch (IOException e) {
                // not empty, or gone: fine
            }
        }
    }

    private void deleteTree(Path dir) {
        for (String n : names(dir, n -> true)) {
            deleteQuietly(dir.resolve(n));
        }
        deleteQuietly(dir);
    }

    /**
     * Moves every file of the previous layout into its bucket and then marks the root as layout 2
     * ({@code layout.json}), after which {@link #find} no longer looks at the states' top
     * directories. Safe while nodes of this version run (every move is a rename that one caller
     * wins); nodes of the previous version must be stopped first. Records appended to task files
     * by the previous version stay where they are and are still read.
     *
     * @return how many files were moved into buckets
     */
    public long upgrade() {
        long moved = 0;
        for (TaskState s : BUCKETED) {
            Path dir = directory(s, null);
            List<String> loose = names(dir, n -> TaskFileNames.isTaskFile(n) && !TaskFileNames.isHourName(n));
            for (String n : loose) {
                TaskRef ref = TaskFileNames.ref(s, null, n);
                if (TaskIds.isValid(ref.taskId()) && adoptLoose(s, n) != null) {
                    moved++;
                }
            }
        }
        try {
            if (readLayout() == null) {
                writeLayout();
            }
        } catch (IOException e) {
            throw io("cannot write " + root.resolve(LAYOUT_FILE), e);
        }
        mayHoldLooseFiles = false;
        log.info("task root {} upgraded to layout {}: {} files moved into buckets", root, LAYOUT, moved);
        return moved;
    }

    @Override
    public int cleanStaleIncoming(Duration olderThan) {
        Require.positive("olderThan", olderThan);
        Instant cutoff = clock.instant().minus(olderThan);
        int removed = 0;
        for (String name : names(incoming, n -> n.endsWith(TaskFileNames.TEMP_SUFFIX))) {
            if (deleteIfOlder(incoming.resolve(name), cutoff)) {
                log.info("removed stale temporary task file {}", name);
                removed++;
            }
        }
        if (removed > 0) {
            syncDirectory(incoming);
        }
        return removed;
    }

    private boolean deleteIfOlder(Path file, Instant cutoff) {
        try (FsCalls.Call c = calls.begin("unlink", file)) {
            if (Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                return Files.deleteIfExists(file);
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw io("cannot remove " + file, e);
        }
    }

    // ------------------------------------------------------------------ file system

    /**
     * The compare-and-swap. A missing destination bucket is created and the rename tried again;
     * {@code ENOENT} with the bucket present means the source is gone: a lost race, decided without
     * looking the source up.
     *
     * @param bucketed whether the target's directory is a bucket that may not exist yet
     * @return MOVED if the file is now at {@code target}, LOST_RACE if the source was gone
     */
    private MoveOutcome rename(Path source, Path target, boolean bucketed) {
        for (int attempt = 0; ; attempt++) {
            requireInsideRoot(target.getParent(), bucketed);
            try (FsCalls.Call c = calls.begin("rename", source)) {
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                // Either the source is gone or the target's bucket is (never created, or removed
                // empty by the leader). mkdir tells which: if it creates the bucket, try again. If
                // the bucket is there, another mover may have created it between our rename and our
                // mkdir (two completes into a new bucket at once): one more rename decides, so a
                // lost race is only ever reported by a rename that failed with its bucket in place.
                if (bucketed && attempt < 3) {
                    boolean created = makeDirectories(target.getParent());
                    if (created || attempt == 0) {
                        continue;
                    }
                }
                if (!bucketed && attempt == 0 && !isDirectory(target.getParent())) {
                    // A node directory that was never registered: a caller's error, not a race.
                    throw io("cannot move " + source + " to " + target + ": " + target.getParent() + " does not exist", e);
                }
                if (!enoentMayBeEcho) {
                    return MoveOutcome.LOST_RACE;
                }
                // NFS: the rename may have been retransmitted after it succeeded: one lookup.
                if (exists(target)) {
                    log.debug("rename {} -> {} reported {} but took effect", source, target, e.toString());
                    syncAfterRename(source, target);
                    return MoveOutcome.MOVED;
                }
                return MoveOutcome.LOST_RACE;
            } catch (IOException e) {
                return afterRenameError(source, target, e);
            }
            syncAfterRename(source, target);
            return MoveOutcome.MOVED;
        }
    }

    /**
     * Moves a submitted task from {@code incoming/} into {@code pending/} without replacing a file
     * of the same name that got there since the {@link #find} check (a task of that id moving back
     * to pending): a hard link fails atomically with EEXIST where {@code rename} would replace.
     * Filesystems without hard links fall back to the rename (the find check alone then guards).
     * The bucket is created when the link reports it missing.
     */
    private MoveOutcome publish(Path temp, Path target, String taskId) {
        try {
            link(target, temp);
        } catch (FileAlreadyExistsException e) {
            if (!sameFile(target, temp)) {
                deleteQuietly(temp);
                throw new MigrateException(ErrorCode.TASK_ID_EXISTS,
                        "task " + taskId + " reached pending/ meanwhile; not submitted again", e);
            }
            // a retransmitted link that took effect (NFS): ours
        } catch (NoSuchFileException e) {
            if (!exists(temp)) {
                return MoveOutcome.LOST_RACE;
            }
            return rename(temp, target, true);
        } catch (UnsupportedOperationException | IOException e) {
            return rename(temp, target, true);
        }
        try (FsCalls.Call c = calls.begin("unlink", temp)) {
            Files.delete(temp);
        } catch (NoSuchFileException e) {
            // a stale-temp cleaner took the name: pending/ holds the task already
        } catch (IOException e) {
            log.warn("task {}: could not remove {} after linking it into pending/: {}", taskId, temp, e.toString());
        }
        syncAfterRename(temp, target);
        return MoveOutcome.MOVED;
    }

    /** A hard link into a bucket, creating the bucket if the link reports it missing. */
    private void link(Path target, Path existing) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (FsCalls.Call c = calls.begin("link", target)) {
                Files.createLink(target, existing);
                return;
            } catch (NoSuchFileException e) {
                if (attempt >= 3 || !makeDirectories(target.getParent())) {
                    throw e;
                }
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The kernel follows links in the directory part of a path: a state directory (or a node's
     * directory, an hour or a bucket) replaced by a link would make a rename put the task outside
     * the task root. One {@code lstat} per directory between the target and the root. A bucket or
     * hour that does not exist yet is fine (no link to follow there: the rename fails and
     * creates it).
     */
    private void requireInsideRoot(Path dir, boolean bucketed) {
        for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
            BasicFileAttributes a;
            try (FsCalls.Call c = calls.begin("lookup", d)) {
                a = TaskRootFiles.lstat(d);
            } catch (IOException e) {
                throw io("cannot look at " + d, e);
            }
            if (a == null) {
                if (bucketed) {
                    continue;
                }
                throw new MigrateException(ErrorCode.TASK_STORE_IO, root.relativize(d) + " does not exist; nothing moved");
            }
            if (!a.isDirectory()) {
                throw new MigrateException(ErrorCode.NOT_A_TASK_FILE, root.relativize(d)
                        + " is not a directory (a symbolic link or a file); nothing moved");
            }
        }
    }

    /**
     * Creates a directory and its missing parents.
     *
     * @return true if this call created the directory itself, false if it already existed
     */
    private boolean makeDirectories(Path dir) {
        for (int attempt = 0; ; attempt++) {
            try (FsCalls.Call c = calls.begin("mkdir", dir)) {
                Files.createDirectory(dir);
                syncDirectory(dir.getParent());
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (NoSuchFileException e) {
                if (attempt >= 3 || dir.getParent() == null || dir.getParent().equals(root)) {
                    throw io("cannot create " + dir, e);
                }
                makeDirectories(dir.getParent());
            } catch (IOException e) {
                throw io("cannot create " + dir, e);
            }
        }
    }

    /** Source and destination tell what a rename that failed with another error actually did. */
    private MoveOutcome afterRenameError(Path source, Path target, IOException e) {
        boolean sourceExists = exists(source);
        boolean targetExists = exists(target);
        if (!sourceExists && targetExists) {
            log.debug("rename {} -> {} reported {} but took effect", source, target, e.toString());
            syncAfterRename(source, target);
            return MoveOutcome.MOVED;
        }
        if (!sourceExists) {
            return MoveOutcome.LOST_RACE;
        }
        throw io("cannot move " + source + " to " + target, e);
    }

    private void syncAfterRename(Path source, Path target) {
        syncDirectory(target.getParent());
        if (!source.getParent().equals(target.getParent())) {
            syncDirectory(source.getParent());
        }
    }

    private boolean setModifiedNow(Path file) {
        try (FsCalls.Call c = calls.begin("utimes", file)) {
            return TaskRootFiles.setModifiedTimeRegular(file, clock.instant());
        } catch (IOException e) {
            throw io("cannot set the modification time of " + file, e);
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Makes a rename durable. Some platforms cannot open a directory; they get no fsync. */
    private void syncDirectory(Path dir) {
        if (!syncDirectories) {
            return;
        }
        try (FsCalls.Call c = calls.begin("fsync", dir); FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("directory fsync not possible on {}: {}", dir, e.toString());
        }
    }

    /**
     * Names of the regular files in a directory matching a filter, unsorted; empty if the
     * directory does not exist. Links, directories and special files are never returned (each
     * name that passes the filter is checked with {@code lstat}).
     */
    private List<String> names(Path dir, Predicate<String> filter) {
        try (FsCalls.Call c = calls.begin("list", dir)) {
            return TaskRootFiles.regularFileNames(dir, filter);
        } catch (IOException e) {
            throw io("cannot list " + dir, e);
        }
    }

    /**
     * Names of every entry of a real directory (not a link to one) matching a filter, unsorted,
     * without looking at each entry: for bucket and hour directories, which can hold thousands of
     * names of which a tick reads a few (the caller checks the entries it uses), and where an
     * {@code lstat} per entry would wait on a cluster filesystem for every file another client
     * just created.
     */
    private List<String> entryNames(Path dir, Predicate<String> filter) {
        List<String> names = new ArrayList<>();
        try (FsCalls.Call c = calls.begin("list", dir)) {
            if (!TaskRootFiles.isRealDirectory(dir)) {
                return names;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (filter.test(n)) {
                        names.add(n);
                    }
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return names;
        } catch (IOException e) {
            throw io("cannot list " + dir, e);
        }
        return names;
    }

    private void deleteQuietly(Path p) {
        try (FsCalls.Call c = calls.begin("unlink", p)) {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", p, e.toString());
        }
    }

    private Path directory(TaskState state, String node) {
        if (state.perNode()) {
            return nodes.resolve(requireNode(node)).resolve(state.directoryName());
        }
        return root.resolve(state.directoryName());
    }

    /** The directory a task of this id is in, in a state: its bucket where the state has buckets. */
    private Path directoryOf(TaskState state, String node, String taskId) {
        Path dir = directory(state, node);
        if (BUCKETED.contains(state) && TaskIds.isValid(taskId)) {
            return dir.resolve(TaskFileNames.hourOf(taskId)).resolve(TaskFileNames.bucketOf(taskId));
        }
        return dir;
    }

    // ------------------------------------------------------------------ checks and logging

    private static String requireNode(String node) {
        if (!TaskFileNames.isValidNode(node)) {
            throw new ConfigurationException("node", "must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}, was "
                    + TaskValidator.printable(node));
        }
        return node;
    }

    private static void requirePerNode(TaskState state, String node) {
        if (state.perNode()) {
            requireNode(node);
        } else if (node != null) {
            throw new IllegalArgumentException(state + " is not a per-node state, node must be null");
        }
    }

    private static void requireStored(TaskRef ref) {
        Objects.requireNonNull(ref, "ref");
        if (ref.state() == TaskState.INCOMING) {
            throw new IllegalArgumentException("incoming/ holds no tasks yet: " + ref);
        }
        if (ref.fileName().indexOf('/') >= 0 || !TaskFileNames.isTaskFile(ref.fileName())) {
            throw new IllegalArgumentException("not a task file name: " + ref.fileName());
        }
    }

    private static void requireState(TaskRef ref, TaskState state) {
        requireStored(ref);
        if (ref.state() != state) {
            throw new IllegalArgumentException("expected a ref in " + state + ", got " + ref);
        }
    }

    private static void requireResult(TaskRef ref, TaskResult result) {
        Objects.requireNonNull(result, "result");
        if (!TaskFileNames.isValidRunId(result.runId())) {
            throw new IllegalArgumentException("runId must match [A-Za-z0-9._-]{1,100}, was "
                    + TaskValidator.printable(result.runId()));
        }
        if (!result.taskId().equals(ref.taskId())) {
            throw new IllegalArgumentException("result of task " + result.taskId() + " given for " + ref.taskId());
        }
    }

    private static void logLost(TaskRef ref, String operation) {
        withTask(ref.taskId(), () -> log.info("{} of task {} lost the race: it is no longer in {}/{}", operation,
                ref.taskId(), ref.state(), ref.node()));
    }

    /** Logs with the task id in MDC, restoring the caller's value. */
    private static void withTask(String taskId, Runnable logging) {
        String previous = MDC.get("task");
        MDC.put("task", taskId);
        try {
            logging.run();
        } finally {
            if (previous == null) {
                MDC.remove("task");
            } else {
                MDC.put("task", previous);
            }
        }
    }

    private static MigrateException io(String message, IOException e) {
        return new MigrateException(ErrorCode.TASK_STORE_IO, message, e);
    }

    @Override
    public String toString() {
        return "DirectoryTaskStore[" + root + "]";
    }

    /** Builds a {@link DirectoryTaskStore}. Not thread-safe. */
    public static final class Builder {
        private Path root;
        private TaskValidator validator = TaskValidator.defaults();
        private Clock clock = Clock.systemUTC();
        private boolean syncDirectories = true;
        private Boolean enoentMayBeEcho;
        private Duration callDeadline = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * @param root the task root, shared by the manager and every backend (required); missing
         *     directories of the layout are created
         * @return this
         */
        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        /**
         * @param validator rules for submitted and read tasks (default {@link TaskValidator#defaults()})
         * @return this
         */
        public Builder validator(TaskValidator validator) {
            this.validator = validator;
            return this;
        }

        /**
         * @param clock time of leases, history events and retention (default UTC system clock)
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @param syncDirectories whether to fsync directories after renames, and part ledger
         *     journals ({@link #startLedger}, {@link #appendLedger}) as they are written (default
         *     true; turn off only for throw-away roots such as benchmarks on tmpfs)
         * @return this
         */
        public Builder syncDirectories(boolean syncDirectories) {
            this.syncDirectories = syncDirectories;
            return this;
        }

        /**
         * Whether a rename that reports {@code ENOENT} may nevertheless have succeeded (an NFS
         * client retransmitting a rename whose reply was lost). When true, such an error is
         * resolved by looking at the destination: present (and source absent) counts as
         * {@link MoveOutcome#MOVED}, which means two callers racing to the same destination may
         * both see {@code MOVED}. When false, {@code ENOENT} is a lost race.
         *
         * @param echo true, false, or null (default) to decide from the file store type: false
         *     for local filesystems (ext4, xfs, btrfs, tmpfs, zfs, ...) and CephFS, true for every
         *     other (NFS)
         * @return this
         */
        public Builder renameEnoentMayBeEcho(Boolean echo) {
            this.enoentMayBeEcho = echo;
            return this;
        }

        /**
         * @param deadline how long a filesystem call may block before the watchdog logs it, with
         *     the blocked thread's stack, at WARN (default 10 s; again every further deadline)
         * @return this
         */
        public Builder callDeadline(Duration deadline) {
            this.callDeadline = deadline;
            return this;
        }

        /**
         * @return the store, its layout created
         * @throws io.migrate.error.ConfigurationException if a setting is missing
         * @throws MigrateException with {@link ErrorCode#TASK_STORE_IO} if the layout cannot be created
         */
        public DirectoryTaskStore build() {
            Require.nonNull("taskStore.root", root);
            Require.nonNull("taskStore.validator", validator);
            Require.nonNull("taskStore.clock", clock);
            Require.positive("taskStore.callDeadline", callDeadline);
            return new DirectoryTaskStore(this);
        }
    }
}
