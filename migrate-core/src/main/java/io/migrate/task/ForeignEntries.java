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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
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
 */
final class ForeignEntries {
    private static final Logger log = LoggerFactory.getLogger(ForeignEntries.class);
    static final String REJECTED = "rejected";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final int MAX_NAME = 120;

    private final Path root;
    private final Path rejected;
    private final Clock clock;

    ForeignEntries(Path root, Clock clock) {
        this.root = root;
        this.rejected = root.resolve(REJECTED);
        this.clock = clock;
    }

    /** One task file seen by the sweep. */
    private record Seen(Path path, String where, int rank) {
    }

    /**
     * One sweep over every state directory.
     *
     * @return how many entries were moved to {@code rejected/}
     */
    int sweep() throws IOException {
        Files.createDirectories(rejected);
        int moved = 0;
        // Sightings outside the buckets: node directories and files of layout 1 lying directly in
        // a state's directory. Bucketed sightings are collected one bucket at a time (the id names
        // its bucket in every state), so the sweep's heap is one bucket, not the whole root.
        Map<String, List<Seen>> byId = new HashMap<>();
        Path nodes = root.resolve("nodes");
        int[] movedInNodes = {0};
        for (String node : nodeDirectories(nodes, movedInNodes)) {
            moved += sweepDirectory(TaskState.RUNNING, node, byId, 3);
            moved += sweepDirectory(TaskState.INBOX, node, byId, 4);
        }
        moved += movedInNodes[0];
        java.util.TreeSet<String> hours = new java.util.TreeSet<>();
        for (int rank = 0; rank < BUCKETED.size(); rank++) {
            moved += sweepStateRoot(BUCKETED.get(rank), byId, rank == 3 ? 5 : rank, hours);
        }
        for (String hour : hours) {
            java.util.TreeSet<String> buckets = new java.util.TreeSet<>();
            for (TaskState state : BUCKETED) {
                moved += sweepHour(state, hour, buckets);
            }
            for (String bucket : buckets) {
                Map<String, List<Seen>> local = new HashMap<>();
                // Listed against the direction tasks usually move (archive first, pending last), so a
                // task moving forward during the sweep is seen at most once; the file-key check covers
                // the rest.
                for (int rank = 0; rank < BUCKETED.size(); rank++) {
                    TaskState state = BUCKETED.get(rank);
                    Path dir = root.resolve(state.directoryName()).resolve(hour).resolve(bucket);
                    moved += sweepEntries(dir, state, state.directoryName() + "." + bucket, local, rank == 3 ? 5 : rank);
                }
                for (Map.Entry<String, List<Seen>> e : local.entrySet()) {
                    List<Seen> outside = byId.remove(e.getKey());
                    if (outside != null) {
                        e.getValue().addAll(outside);
                    }
                    if (e.getValue().size() > 1) {
                        moved += quarantineDuplicates(e.getValue());
                    }
                }
            }
        }
        for (List<Seen> copies : byId.values()) {
            if (copies.size() > 1) {
                moved += quarantineDuplicates(copies);
            }
        }
        return moved;
    }

    /** States whose tasks live in hour/bucket directories, in the sweep's order (archive first, pending last). */
    private static final List<TaskState> BUCKETED =
            List.of(TaskState.ARCHIVED, TaskState.DONE, TaskState.FAILED, TaskState.PENDING);

    /**
     * The top of a bucketed state: real hour directories are collected, task files of layout 1
     * recorded as sightings, everything else quarantined.
     */
    private int sweepStateRoot(TaskState state, Map<String, List<Seen>> byId, int rank, java.util.Set<String> hours)
            throws IOException {
        Path dir = root.resolve(state.directoryName());
        String where = state.directoryName();
        if (!TaskRootFiles.isRealDirectory(dir)) {
            return 0;
        }
        int moved = 0;
        List<Path> entries = entries(dir);
        entries.sort(null);
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (TaskFileNames.isHidden(name)) {
                continue;
            }
            BasicFileAttributes a = TaskRootFiles.lstat(p);
            if (a == null) {
                continue;
            }
            if (a.isDirectory() && TaskFileNames.isHourName(name)) {
                hours.add(name);
            } else if (a.isRegularFile() && TaskFileNames.isWellFormed(state, name)) {
                byId.computeIfAbsent(TaskFileNames.parse(state, name).taskId(), k -> new ArrayList<>(1))
                        .add(new Seen(p, where, rank));
            } else if (quarantine(p, where, ErrorCode.NOT_A_TASK_FILE, describe(a)
                    + (a.isRegularFile() ? " whose name is not a task file name of " + where + "/" : ""))) {
                moved++;
            }
        }
        return moved;
    }

    /** An hour directory: real bucket directories of that hour are collected, everything else quarantined. */
    private int sweepHour(TaskState state, String hour, java.util.Set<String> buckets) throws IOException {
        Path dir = root.resolve(state.directoryName()).resolve(hour);
        if (!TaskRootFiles.isRealDirectory(dir)) {
            return 0;
        }
        int moved = 0;
        for (Path p : entries(dir)) {
            String name = p.getFileName().toString();
            if (TaskFileNames.isHidden(name)) {
                continue;
            }
            BasicFileAttributes a = TaskRootFiles.lstat(p);
            if (a == null) {
                continue;
            }
            if (a.isDirectory() && TaskFileNames.isBucketName(hour, name)) {
                buckets.add(name);
            } else if (quarantine(p, state.directoryName() + "." + hour, ErrorCode.NOT_A_TASK_FILE,
                    describe(a) + " where a bucket directory of " + hour + " belongs")) {
                moved++;
            }
        }
        return moved;
    }

    /** Real node directories; foreign entries of {@code nodes/} and of each node are quarantined on the way. */
    private List<String> nodeDirectories(Path nodes, int[] moved) throws IOException {
        List<String> result = new ArrayList<>();
        if (!TaskRootFiles.isRealDirectory(nodes)) {
            return result;
        }
        List<Path> entries = entries(nodes);
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (TaskFileNames.isHidden(name)) {
                continue;
            }
            BasicFileAttributes a = TaskRootFiles.lstat(p);
            if (a == null) {
                continue;
            }
            if (!a.isDirectory() || !TaskFileNames.isValidNode(name)) {
                if (quarantine(p, "nodes", ErrorCode.NOT_A_TASK_FILE, describe(a) + " where a node directory belongs")) {
                    moved[0]++;
                }
                continue;
            }
            boolean usable = true;
            for (TaskState s : List.of(TaskState.INBOX, TaskState.RUNNING)) {
                Path d = p.resolve(s.directoryName());
                BasicFileAttributes da = TaskRootFiles.lstat(d);
                if (da != null && !da.isDirectory()) {
                    usable = false; // listed again at the next sweep, once the directory is recreated
                    if (quarantine(d, "nodes." + name, ErrorCode.NOT_A_TASK_FILE,
                            describe(da) + " where the " + s.directoryName() + " directory belongs")) {
                        moved[0]++;
                    }
                }
            }
            if (usable) {
                result.add(name);
            }
        }
        result.sort(null);
        return result;
    }

    private int sweepDirectory(TaskState state, String node, Map<String, List<Seen>> byId, int rank)
            throws IOException {
        Path dir = node == null ? root.resolve(state.directoryName())
                : root.resolve("nodes").resolve(node).resolve(state.directoryName());
        String where = node == null ? state.directoryName() : "nodes." + node + "." + state.directoryName();
        return sweepEntries(dir, state, where, byId, rank);
    }

    /** One directory of task files: regular files named like tasks are sightings, the rest quarantined. */
    private int sweepEntries(Path dir, TaskState state, String where, Map<String, List<Seen>> byId, int rank)
            throws IOException {
        if (!TaskRootFiles.isRealDirectory(dir)) {
            return 0;
        }
        int moved = 0;
        List<Path> entries = entries(dir);
        entries.sort(null); // between two nodes (and within one directory) the first by name is kept
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (TaskFileNames.isHidden(name)) {
                continue;
            }
            BasicFileAttributes a = TaskRootFiles.lstat(p);
            if (a == null) {
                continue; // moved on since the listing
            }
            if (a.isRegularFile() && TaskFileNames.isWellFormed(state, name)) {
                byId.computeIfAbsent(TaskFileNames.parse(state, name).taskId(), k -> new ArrayList<>(1))
                        .add(new Seen(p, where, rank));
            } else if (quarantine(p, where, ErrorCode.NOT_A_TASK_FILE, describe(a)
                    + (a.isRegularFile() ? " whose name is not a task file name of " + where + "/" : ""))) {
                moved++;
            }
        }
        return moved;
    }

    private int quarantineDuplicates(List<Seen> copies) throws IOException {
        copies.sort((x, y) -> Integer.compare(x.rank(), y.rank())); // stable: name order within a rank
        Seen keep = copies.get(0);
        BasicFileAttributes keptAttrs = TaskRootFiles.lstat(keep.path());
        if (keptAttrs == null) {
            return 0; // it moved on: judge again at the next sweep
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
