package io.migrate.task;

import io.migrate.error.ErrorCode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the entries of the task root's state directories that are not task files and moves
 * them, with one rename each, to {@code rejected/} (see {@code docs/task-root.md}, "Foreign
 * entries"). Run by the leader only ({@link TaskStore#quarantineForeign()}).
 *
 * <p>Foreign: in {@code pending/}, {@code nodes/<n>/inbox/}, {@code nodes/<n>/running/},
 * {@code done/}, {@code archive/} and {@code failed/} (layout 2: in their bucket directories; at
 * their top only hour directories and files of layout 1 belong, in an hour only its buckets), every entry whose name does not start with
 * {@code .} and that is not a regular file named as that directory names its tasks
 * ({@link TaskFileNames#isWellFormed}): directories, symbolic links (dangling or not), FIFOs,
 * sockets, devices, names that are not task ids, other extensions. In {@code nodes/}: entries
 * that are not real directories, and {@code inbox}/{@code running} of a node that are not. Such
 * an entry is never listed as a task (so it blocks nothing behind it even before it is moved).
 *
 * <p>Also a duplicate task id: the same id in two places (written by hand or restored from a
 * backup; a task moved by the store is always in one place). The copy furthest along its life
 * stays (archive, done, failed, running, inbox, pending, in that order; between two nodes the
 * first by name) and the others are moved to {@code rejected/} with
 * {@link ErrorCode#DUPLICATE_TASK_ID}, so a task id ends once and its result is published once.
 * Two sightings are only taken as duplicates when both files still exist and are different files
 * (file keys differ): a task the store moved during the sweep is one file seen twice.
 *
 * <p>The quarantine name is {@code <time>-<6 hex>~<CODE>~<where>~<name>}, with {@code where} the
 * directory it came from ({@code pending}, {@code nodes.<n>.running}, ...) and {@code name} the
 * original name with every character outside {@code [A-Za-z0-9._-]} replaced by {@code _}, cut to
 * 120 characters. The entry itself is renamed, never opened, copied or followed.
 *
 * <p><b>Incremental.</b> A sweep lists all of {@code nodes/}, the tops of the bucketed states and
 * their hours ({@code lstat} of each hour and bucket directory), but lists a bucket directory only
 * when its mtime differs from the one a previous sweep of this instance found it clean with (a
 * foreign entry, and a second copy of an id, can only appear in it by a change of one of its
 * entries, which changes its mtime), or when an id seen in a node's directory or at a state's top
 * names it. A mtime is remembered only when it was at least two seconds old when read, so that a
 * change in the same timestamp tick cannot hide behind it. At a million pending tasks a sweep thus
 * lists the few buckets the dispatcher and the workers changed, not a million entries; a new
 * instance (a new leader) sweeps everything once.
 */
final class ForeignEntries {
    private static final Logger log = LoggerFactory.getLogger(ForeignEntries.class);
    static final String REJECTED = "rejected";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final int MAX_NAME = 120;
    /** States whose tasks live in hour/bucket directories, in the sweep's order (archive first, pending last). */
    private static final List<TaskState> BUCKETED =
            List.of(TaskState.ARCHIVED, TaskState.DONE, TaskState.FAILED, TaskState.PENDING);
    /** Duplicate ranks: archive, done, failed, running, inbox, pending (the first stays). */
    private static final int[] BUCKETED_RANK = {0, 1, 2, 5};
    private static final int RUNNING_RANK = 3;
    private static final int INBOX_RANK = 4;

    private final Path root;
    private final Path rejected;
    private final Clock clock;
    private final BucketListener listener;

    // Mutable state, guarded by "this" (sweeps run one at a time: the leader's reclaim thread).
    /**
     * Bucket directories a sweep found clean (no foreign entry, no duplicate), with their mtime
     * then (nanoseconds). A bucket whose mtime is still that is skipped: no entry was added,
     * removed or replaced in it since (every change of an entry, its type included, changes the
     * directory's mtime).
     */
    private final Map<Path, Long> clean = new HashMap<>();

    /**
     * Told the number of names a sweep listed in a bucket, so that the store's bucket counts
     * ({@link TaskStore#count}) come for free from the leader's sweep.
     */
    @FunctionalInterface
    interface BucketListener {
        /**
         * @param state the bucket's state
         * @param bucket the bucket directory
         * @param mtimeNanos its mtime before it was listed
         * @param listedAtNanos when it was listed (wall clock, nanoseconds since the epoch)
         * @param names how many of its names are named like tasks of the state (types not checked)
         */
        void listed(TaskState state, Path bucket, long mtimeNanos, long listedAtNanos, long names);
    }

    /**
     * What one sweep did.
     *
     * @param moved entries moved to {@code rejected/}
     * @param entriesChecked entries looked at with {@code lstat}
     * @param bucketsListed bucket directories listed (changed since the last clean sweep, or
     *     holding an id also seen outside the buckets)
     * @param bucketsSkipped bucket directories unchanged since a sweep found them clean
     */
    record Sweep(int moved, long entriesChecked, long bucketsListed, long bucketsSkipped) {
    }

    ForeignEntries(Path root, Clock clock, BucketListener listener) {
        this.root = root;
        this.rejected = root.resolve(REJECTED);
        this.clock = clock;
        this.listener = listener;
    }

    /** One task file seen by the sweep. */
    private record Seen(Path path, String where, int rank) {
    }

    /**
     * What an entry of one kind of directory is: called with each non-hidden entry and its own
     * attributes; records it and returns null when it belongs there, else says what it is for the
     * quarantine's log line.
     */
    @FunctionalInterface
    private interface Kind {
        String classify(Path entry, String name, BasicFileAttributes a) throws IOException;
    }

    /** One sweep's working state. */
    private final class Pass {
        int moved;
        long checked;
        long listed;
        long skipped;
        /** Task files seen so far (regular, named like tasks). */
        long sightings;
        /**
         * Sightings outside the buckets: node directories and files of layout 1 lying directly in a
         * state's directory. Bucketed sightings are collected one bucket at a time (the id names its
         * bucket in every state), so the sweep's heap is one bucket, not the whole root.
         */
        final Map<String, List<Seen>> outside = new HashMap<>();

        /**
         * The walker: every non-hidden entry of {@code dir} in name order (between two nodes, and
         * within a directory, the first by name is kept), {@code lstat}ed once and classified;
         * foreign ones quarantined.
         */
        void scan(Path dir, String where, Kind kind) throws IOException {
            if (!TaskRootFiles.isRealDirectory(dir)) {
                return;
            }
            List<Path> entries = entries(dir);
            entries.sort(null);
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (TaskFileNames.isHidden(name)) {
                    continue;
                }
                checked++;
                BasicFileAttributes a = TaskRootFiles.lstat(p);
                if (a == null) {
                    continue; // moved on since the listing
                }
                String why = kind.classify(p, name, a);
                if (why != null && quarantine(p, where, ErrorCode.NOT_A_TASK_FILE, why)) {
                    moved++;
                }
            }
        }

        /** A directory of task files: regular files named like tasks of the state are sightings. */
        Kind tasks(TaskState state, String where, Map<String, List<Seen>> byId, int rank) {
            return (p, name, a) -> {
                if (a.isRegularFile() && TaskFileNames.isWellFormed(state, name)) {
                    sightings++;
                    byId.computeIfAbsent(TaskFileNames.parse(state, name).taskId(), k -> new ArrayList<>(1))
                            .add(new Seen(p, where, rank));
                    return null;
                }
                return describe(a) + (a.isRegularFile() ? " whose name is not a task file name of " + where + "/" : "");
            };
        }

        /** The top of a bucketed state: real hour directories and task files of layout 1 belong. */
        Kind stateRoot(TaskState state, int rank, Set<String> hours) {
            Kind files = tasks(state, state.directoryName(), outside, rank);
            return (p, name, a) -> {
                if (a.isDirectory() && TaskFileNames.isHourName(name)) {
                    hours.add(name);
                    return null;
                }
                return files.classify(p, name, a);
            };
        }

        /** An hour: real bucket directories of that hour belong; their mtimes are kept. */
        Kind hour(String hour, Map<String, Long> buckets) {
            return (p, name, a) -> {
                if (a.isDirectory() && TaskFileNames.isBucketName(hour, name)) {
                    buckets.put(name, a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
                    return null;
                }
                return describe(a) + " where a bucket directory of " + hour + " belongs";
            };
        }

        /** {@code nodes/}: real directories named like nodes belong, unless their inbox or running is not one. */
        Kind nodes(List<String> usable) {
            return (p, name, a) -> {
                if (!a.isDirectory() || !TaskFileNames.isValidNode(name)) {
                    return describe(a) + " where a node directory belongs";
                }
                boolean ok = true;
                for (TaskState s : List.of(TaskState.INBOX, TaskState.RUNNING)) {
                    Path d = p.resolve(s.directoryName());
                    checked++;
                    BasicFileAttributes da = TaskRootFiles.lstat(d);
                    if (da != null && !da.isDirectory()) {
                        ok = false; // listed again at the next sweep, once the directory is recreated
                        if (quarantine(d, "nodes." + name, ErrorCode.NOT_A_TASK_FILE,
                                describe(da) + " where the " + s.directoryName() + " directory belongs")) {
                            moved++;
                        }
                    }
                }
                if (ok) {
                    usable.add(name);
                }
                return null;
            };
        }
    }

    /**
     * One sweep over every state directory: all of {@code nodes/}, the tops of the bucketed states
     * and their hours (an {@code lstat} per hour and bucket directory), and the buckets that
     * changed since a sweep found them clean, or that hold an id also seen outside the buckets.
     *
     * @return what it did
     */
    synchronized Sweep sweep() throws IOException {
        Files.createDirectories(rejected);
        Pass pass = new Pass();
        List<String> usable = new ArrayList<>();
        pass.scan(root.resolve("nodes"), "nodes", pass.nodes(usable));
        for (String node : usable) {
            for (TaskState s : List.of(TaskState.RUNNING, TaskState.INBOX)) {
                String where = "nodes." + node + "." + s.directoryName();
                pass.scan(root.resolve("nodes").resolve(node).resolve(s.directoryName()), where,
                        pass.tasks(s, where, pass.outside, s == TaskState.RUNNING ? RUNNING_RANK : INBOX_RANK));
            }
        }
        TreeSet<String> hours = new TreeSet<>();
        for (int i = 0; i < BUCKETED.size(); i++) {
            TaskState state = BUCKETED.get(i);
            pass.scan(root.resolve(state.directoryName()), state.directoryName(),
                    pass.stateRoot(state, BUCKETED_RANK[i], hours));
        }
        // Buckets an id seen outside them names: listed whether they changed or not, so a copy in a
        // node's directory is compared with every state's copy of its bucket.
        Set<String> forced = new HashSet<>();
        for (String id : pass.outside.keySet()) {
            if (TaskIds.isValid(id)) {
                forced.add(TaskFileNames.bucketOf(id));
            }
        }
        long settledBefore = System.currentTimeMillis() * 1_000_000L - DirectoryTaskStore.SETTLE_NANOS;
        Set<Path> present = new HashSet<>();
        for (String hour : hours) {
            List<Map<String, Long>> mtimes = new ArrayList<>();
            TreeSet<String> buckets = new TreeSet<>();
            for (TaskState state : BUCKETED) {
                Map<String, Long> m = new HashMap<>();
                pass.scan(root.resolve(state.directoryName()).resolve(hour), state.directoryName() + "." + hour,
                        pass.hour(hour, m));
                mtimes.add(m);
                buckets.addAll(m.keySet());
                for (String b : m.keySet()) {
                    present.add(root.resolve(state.directoryName()).resolve(hour).resolve(b));
                }
            }
            for (String bucket : buckets) {
                sweepBucket(pass, hour, bucket, mtimes, forced.contains(bucket), settledBefore);
            }
        }
        clean.keySet().retainAll(present); // buckets removed since (drained, purged) are forgotten
        for (List<Seen> copies : pass.outside.values()) {
            if (copies.size() > 1) {
                pass.moved += Math.max(0, quarantineDuplicates(copies));
            }
        }
        return new Sweep(pass.moved, pass.checked, pass.listed, pass.skipped);
    }

    /**
     * One bucket name in every bucketed state: skipped when each of its directories is absent or
     * unchanged since a sweep found it clean (and not forced), else listed in every state together
     * (duplicates of an id are in the same bucket of each state).
     */
    private void sweepBucket(Pass pass, String hour, String bucket, List<Map<String, Long>> mtimes, boolean forced,
            long settledBefore) throws IOException {
        List<Path> dirs = new ArrayList<>();
        boolean unchanged = !forced;
        for (int i = 0; i < BUCKETED.size(); i++) {
            Path dir = root.resolve(BUCKETED.get(i).directoryName()).resolve(hour).resolve(bucket);
            dirs.add(dir);
            Long m = mtimes.get(i).get(bucket);
            if (m != null && !m.equals(clean.get(dir))) {
                unchanged = false;
            }
        }
        if (unchanged) {
            pass.skipped++;
            return;
        }
        Map<String, List<Seen>> local = new HashMap<>();
        int movedBefore = pass.moved;
        // Listed against the direction tasks usually move (archive first, pending last), so a task
        // moving forward during the sweep is seen at most once; the file-key check covers the rest.
        for (int i = 0; i < BUCKETED.size(); i++) {
            TaskState state = BUCKETED.get(i);
            Long m = mtimes.get(i).get(bucket);
            if (m == null) {
                continue;
            }
            pass.listed++;
            long listedAt = System.currentTimeMillis() * 1_000_000L;
            long before = pass.sightings;
            pass.scan(dirs.get(i), state.directoryName() + "." + bucket,
                    pass.tasks(state, state.directoryName() + "." + bucket, local, BUCKETED_RANK[i]));
            long named = pass.sightings - before;
            if (pass.moved == movedBefore) {
                // Nothing was moved out of it: the names it holds are its task-named entries.
                listener.listed(state, dirs.get(i), m, listedAt, named);
            }
        }
        boolean unresolved = false;
        for (Map.Entry<String, List<Seen>> e : local.entrySet()) {
            List<Seen> outside = pass.outside.remove(e.getKey());
            if (outside != null) {
                e.getValue().addAll(outside);
            }
            if (e.getValue().size() > 1) {
                int n = quarantineDuplicates(e.getValue());
                if (n < 0) {
                    unresolved = true;
                } else {
                    pass.moved += n;
                }
            }
        }
        for (int i = 0; i < BUCKETED.size(); i++) {
            Long m = mtimes.get(i).get(bucket);
            // Remembered only when settled: a change within the same timestamp tick as the mtime we
            // read would otherwise leave it unchanged.
            if (m != null && !unresolved && pass.moved == movedBefore && m <= settledBefore) {
                clean.put(dirs.get(i), m);
            } else {
                clean.remove(dirs.get(i));
            }
        }
    }

    /** @return how many copies were moved, or -1 when the copy to keep is gone (judged again next time) */
    private int quarantineDuplicates(List<Seen> copies) throws IOException {
        copies.sort((x, y) -> Integer.compare(x.rank(), y.rank())); // stable: name order within a rank
        Seen keep = copies.get(0);
        BasicFileAttributes keptAttrs = TaskRootFiles.lstat(keep.path());
        if (keptAttrs == null) {
            return -1; // it moved on: judge again at the next sweep
        }
        int moved = 0;
        for (Seen other : copies.subList(1, copies.size())) {
            BasicFileAttributes a = TaskRootFiles.lstat(other.path());
            if (a == null || Objects.equals(a.fileKey(), keptAttrs.fileKey()) && a.fileKey() != null) {
                continue; // one task seen twice while it moved
            }
            if (quarantine(other.path(), other.where(), ErrorCode.DUPLICATE_TASK_ID,
                    "the same task id is in " + keep.where() + "/")) {
                moved++;
            }
        }
        return moved;
    }

    /** Moves one entry to {@code rejected/}, logging one line. @return whether it moved */
    boolean quarantine(Path entry, String where, ErrorCode code, String why) throws IOException {
        Files.createDirectories(rejected);
        for (int attempt = 0; attempt < 3; attempt++) {
            String name = TIME.format(clock.instant()) + "-"
                    + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24)) + TaskFileNames.SEPARATOR + code.name() + TaskFileNames.SEPARATOR + where
                    + TaskFileNames.SEPARATOR + sanitize(entry.getFileName().toString());
            Path target = rejected.resolve(name);
            try {
                // rename(2) replaces an existing file silently: look first. The random part makes a
                // collision (two leaders in the same millisecond) unlikely anyway.
                if (TaskRootFiles.lstat(target) != null) {
                    continue;
                }
                Files.move(entry, target, StandardCopyOption.ATOMIC_MOVE);
                log.warn("{}: moved {}/{} ({}) to {}/{}", code, where, printable(entry), why, REJECTED, name);
                return true;
            } catch (NoSuchFileException e) {
                return false; // gone meanwhile (removed by hand, or a task the store moved on)
            } catch (FileAlreadyExistsException e) {
                // try another name
            }
        }
        throw new IOException("no free name in " + rejected + " for " + entry);
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(entries::add);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return entries;
        }
        return entries;
    }

    private static String describe(BasicFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        return "a special file (FIFO, socket or device)";
    }

    static String sanitize(String name) {
        StringBuilder b = new StringBuilder(Math.min(name.length(), MAX_NAME));
        for (int i = 0; i < name.length() && b.length() < MAX_NAME; i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                    || c == '_';
            b.append(ok ? c : '_');
        }
        return b.length() == 0 ? "_" : b.toString();
    }

    private static String printable(Path entry) {
        return TaskValidator.printable(entry.getFileName().toString());
    }
}
