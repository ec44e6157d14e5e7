package io.migrate.task;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.error.Require;
import io.migrate.result.TaskResult;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The default {@link TaskStore}: one directory tree (the task root) on a filesystem shared by
 * the manager and every backend. Layout, file format and transitions are specified in
 * {@code docs/task-root.md}; in short:
 *
 * <pre>
 * incoming/.&lt;id&gt;.tmp                 being written by a submitter
 * pending/&lt;id&gt;.json                  not assigned
 * nodes/&lt;node&gt;/inbox/&lt;id&gt;.json      assigned, not started
 * nodes/&lt;node&gt;/running/&lt;id&gt;.json    claimed; lease = the file's mtime
 * done/&lt;id&gt;~&lt;runId&gt;.json            finished; the result record of that run is the result
 * archive/&lt;id&gt;~&lt;runId&gt;.json         published
 * failed/&lt;id&gt;~&lt;CODE&gt;~&lt;runId&gt;.json   given up or rejected; the reason is in the name,
 *                                     the result record of that run is the result
 * archive/&lt;id&gt;~&lt;CODE&gt;~&lt;runId&gt;.json  published from failed/
 * </pre>
 *
 * <p>Every transition is one {@code rename} ({@link StandardCopyOption#ATOMIC_MOVE}) followed
 * by an fsync of the directories involved (skipped silently where the platform refuses to open
 * a directory). A rename whose source is gone is {@link MoveOutcome#LOST_RACE}. After a rename
 * error the store looks at source and destination to learn what happened, because NFS may
 * report {@code ENOENT} for a retransmitted rename that succeeded: destination present and
 * source absent is {@link MoveOutcome#MOVED}. On a local filesystem ({@code ext4}, {@code xfs},
 * {@code btrfs}, {@code tmpfs}, ...) {@code ENOENT} cannot be such an echo and is taken as a
 * lost race without looking at the destination, so that two callers racing to the
 * <em>same</em> destination never both see {@code MOVED}; on other filesystems they may (see
 * {@link Builder#renameEnoentMayBeEcho(Boolean)}). Races between different destinations (two
 * nodes claiming, two leaders choosing different nodes) have exactly one winner everywhere.
 *
 * <p>Thread-safety: every method may be called concurrently from any number of threads and
 * processes; the store holds no mutable state besides its configuration.
 */
public final class DirectoryTaskStore implements TaskStore {
    private static final Logger log = LoggerFactory.getLogger(DirectoryTaskStore.class);
    private static final String NODES = "nodes";
    /** Run id of a result derived from a failed/ name because the file holds none. */
    static final String DERIVED_RUN_ID = "derived";

    private final Path root;
    private final Path incoming;
    private final Path pending;
    private final Path nodes;
    private final Path done;
    private final Path archive;
    private final Path failed;
    private final TaskValidator validator;
    private final Clock clock;
    private final TaskFileCodec codec;
    private final boolean syncDirectories;
    /** Whether ENOENT from rename may hide a rename that succeeded (NFS retransmissions). */
    private final boolean enoentMayBeEcho;
    private final ForeignEntries foreign;

    /**
     * Test seam: runs in {@link #complete} and {@link #fail} after the result is appended and
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
        this.validator = b.validator;
        this.clock = b.clock;
        this.syncDirectories = b.syncDirectories;
        this.codec = new TaskFileCodec(validator);
        this.foreign = new ForeignEntries(root, clock);
        try {
            for (Path dir : List.of(incoming, pending, nodes, done, archive, failed,
                    root.resolve(ForeignEntries.REJECTED))) {
                Files.createDirectories(dir);
            }
            this.enoentMayBeEcho = b.enoentMayBeEcho != null ? b.enoentMayBeEcho
                    : !isLocalFileSystem(Files.getFileStore(pending).type());
        } catch (IOException e) {
            throw new MigrateException(ErrorCode.TASK_STORE_IO, "cannot create the task root layout in " + root, e);
        }
        log.info("task root {} ({}), rename ENOENT {}", root, fileStoreType(),
                enoentMayBeEcho ? "checked against the destination" : "trusted as a lost race");
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
     * The file a ref points to. Useful for diagnostics; all changes go through the store.
     *
     * @param ref a ref
     * @return its path (the file may have moved since the ref was made)
     */
    public Path pathOf(TaskRef ref) {
        return directory(ref.state(), ref.node()).resolve(ref.fileName());
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
        Path target = pending.resolve(name);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
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
        if (!state.perNode()) {
            return list(state, null, directory(state, null));
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
        return list(state, node, directory(state, node));
    }

    /** Reads names (and each entry's own type) only; never opens a task file. Foreign entries are skipped. */
    private Stream<TaskRef> list(TaskState state, String node, Path dir) {
        List<String> names = names(dir, n -> TaskFileNames.isWellFormed(state, n));
        names.sort(null);
        return names.stream().map(n -> TaskFileNames.ref(state, node, n));
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
        // Counts what list() would return: a foreign entry is no backlog.
        return names(directory(state, node), n -> TaskFileNames.isWellFormed(state, n)).size();
    }

    @Override
    public Set<String> nodes() {
        Set<String> result = new TreeSet<>();
        if (!TaskRootFiles.isRealDirectory(nodes)) {
            return result;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(nodes)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                // A link named like a node would lead the store out of the task root.
                if (TaskFileNames.isValidNode(n) && TaskRootFiles.isRealDirectory(p)) {
                    result.add(n);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return result;
        } catch (IOException e) {
            throw io("cannot list " + nodes, e);
        }
        return result;
    }

    @Override
    public void registerNode(String node) {
        requireNode(node);
        try {
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
        requireStored(ref);
        Path path = pathOf(ref);
        byte[] bytes;
        try {
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
        String committedRun = TaskFileNames.parse(ref.state(), ref.fileName()).runId();
        Optional<TaskResult> result = Optional.empty();
        if (committedRun != null) {
            // Only the record of the run named in the file name counts: a zombie's stray record
            // carries another run id.
            for (TaskResult r : d.results()) {
                if (committedRun.equals(r.runId())) {
                    result = Optional.of(r);
                }
            }
            if (result.isEmpty() && ref.state() != TaskState.FAILED) {
                withTask(ref.taskId(), () -> log.warn("{} names run {} but holds no readable result of it",
                        ref.fileName(), committedRun));
            }
        }
        return Optional.of(new StoredTask(ref, d.task(), d.history(), result));
    }

    @Override
    public Optional<TaskResult> result(TaskRef ref) {
        requireStored(ref);
        if (ref.state() != TaskState.DONE && ref.state() != TaskState.ARCHIVED && ref.state() != TaskState.FAILED) {
            return Optional.empty();
        }
        Path path = pathOf(ref);
        byte[] bytes;
        try {
            bytes = readForResult(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io("cannot read " + path, e);
        }
        TaskFileCodec.Salvaged s = codec.salvage(bytes);
        TaskFileNames.Parsed name = TaskFileNames.parse(ref.state(), ref.fileName());
        if (name.runId() != null) {
            for (TaskResult r : s.results()) {
                if (name.runId().equals(r.runId()) && r.taskId().equals(ref.taskId())) {
                    return Optional.of(r);
                }
            }
        }
        if (name.failureCode() == null) {
            return Optional.empty(); // done/ or archive/ without its committed record: not a result
        }
        // failed/ (or archived from there) without a readable record: a file failed by an older
        // release, or by hand. The result is derived from the name, the same on every read.
        String reason = null;
        for (TaskEvent e : s.history()) {
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
     * The whole file, or its tail when it is larger than the limit (records are appended at the
     * end). Like every read here: never through a link, only a regular file.
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

    private Optional<TaskRef> findOnce(String taskId) {
        List<TaskRef> found = locate(taskId, true);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: one pass over the places a task can be, in lifecycle order, without retrying.
     */
    @Override
    public List<TaskRef> copies(String taskId) {
        if (!TaskIds.isValid(taskId)) {
            return List.of();
        }
        return locate(taskId, false);
    }

    /** Where a task id is, in lifecycle order; stops at the first place when {@code first}. */
    private List<TaskRef> locate(String taskId, boolean first) {
        List<TaskRef> found = new ArrayList<>(1);
        String active = TaskFileNames.activeName(taskId);
        if (TaskRootFiles.isRegularFile(pending.resolve(active))) {
            found.add(new TaskRef(taskId, TaskState.PENDING, null, active));
            if (first) {
                return found;
            }
        }
        for (String node : nodes()) {
            for (TaskState s : List.of(TaskState.INBOX, TaskState.RUNNING)) {
                if (TaskRootFiles.isRegularFile(directory(s, node).resolve(active))) {
                    found.add(new TaskRef(taskId, s, node, active));
                    if (first) {
                        return found;
                    }
                }
            }
        }
        String prefix = taskId + TaskFileNames.SEPARATOR;
        for (TaskState s : List.of(TaskState.DONE, TaskState.ARCHIVED, TaskState.FAILED)) {
            for (String name : names(directory(s, null), n -> n.startsWith(prefix) && TaskFileNames.isWellFormed(s, n))) {
                TaskRef ref = TaskFileNames.ref(s, null, name);
                if (ref.taskId().equals(taskId)) {
                    found.add(ref);
                    if (first) {
                        return found;
                    }
                }
            }
        }
        if (TaskRootFiles.isRegularFile(failed.resolve(active))) {
            found.add(new TaskRef(taskId, TaskState.FAILED, null, active));
        }
        return found;
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
        Path target = directory(to, toNode).resolve(name);
        if (source.equals(target)) {
            throw new IllegalArgumentException("task " + ref.taskId() + " is already in " + to);
        }
        MoveOutcome outcome = rename(source, target);
        if (outcome == MoveOutcome.MOVED) {
            if (to == TaskState.RUNNING || to == TaskState.ARCHIVED) {
                // A claimed task's lease starts now, not when it was submitted; an archived
                // task's retention starts when it was published.
                setModifiedNow(target);
            }
            if (event != null) {
                // History is best effort: if the task moved on meanwhile the event is dropped.
                appendIfPresent(target, codec.encodeEvent(event), false);
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
        try {
            return TaskRootFiles.modifiedTimeRegular(pathOf(running));
        } catch (IOException e) {
            throw io("cannot read the lease of " + pathOf(running), e);
        }
    }

    @Override
    public MoveOutcome complete(TaskRef running, TaskResult result) {
        requireState(running, TaskState.RUNNING);
        requireResult(running, result);
        Path source = pathOf(running);
        // Opened by path: if the file has moved (this node was presumed dead) there is nothing
        // to append to. If it moves between open and write, the record lands in the moved file
        // but carries this run's id, which no file name will ever name.
        if (!appendIfPresent(source, codec.encodeResult(result), true)) {
            logLost(running, "complete");
            return MoveOutcome.LOST_RACE;
        }
        afterResultAppended.accept(source);
        MoveOutcome outcome = rename(source, done.resolve(TaskFileNames.doneName(running.taskId(), result.runId())));
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
        // Like complete(): the result is durable in the file before the rename publishes it.
        if (!appendIfPresent(source, codec.encodeResult(result), true)) {
            logLost(ref, "fail");
            return MoveOutcome.LOST_RACE;
        }
        afterResultAppended.accept(source);
        Path target = failed.resolve(TaskFileNames.failedName(ref.taskId(), code, runId));
        MoveOutcome outcome = rename(source, target);
        if (outcome == MoveOutcome.MOVED) {
            TaskEvent event = new TaskEvent(clock.instant(), 0, TaskEvent.Type.FAILED, ref.node(), null,
                    code + (message == null ? "" : ": " + message));
            appendIfPresent(target, codec.encodeEvent(event), false);
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
        try {
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
     * {@code done/}, {@code archive/} and {@code failed/} that is not a regular file named like a
     * task of that directory, and every duplicate task id, is renamed into {@code rejected/} (see
     * {@link ForeignEntries}); names starting with {@code .} are left alone.
     */
    @Override
    public int quarantineForeign() {
        try {
            int moved = foreign.sweep();
            if (moved > 0) {
                syncDirectory(root.resolve(ForeignEntries.REJECTED));
            }
            return moved;
        } catch (IOException e) {
            throw io("cannot move foreign entries of " + root + " to rejected/", e);
        }
    }

    @Override
    public int purgeArchive(Duration retention) {
        Require.positive("retention", retention);
        Instant cutoff = clock.instant().minus(retention);
        int removed = 0;
        for (String name : names(archive, TaskFileNames::isTaskFile)) {
            if (deleteIfOlder(archive.resolve(name), cutoff)) {
                removed++;
            }
        }
        if (removed > 0) {
            syncDirectory(archive);
            log.info("purged {} archived tasks older than {}", removed, retention);
        }
        return removed;
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
        try {
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
     * The compare-and-swap. After any error, source and destination tell what happened.
     *
     * @return MOVED if the file is now at {@code target}, LOST_RACE if the source was gone
     */
    private MoveOutcome rename(Path source, Path target) {
        requireInsideRoot(target.getParent());
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            if (!enoentMayBeEcho && !Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                return MoveOutcome.LOST_RACE;
            }
            return afterRenameError(source, target, e);
        } catch (IOException e) {
            return afterRenameError(source, target, e);
        }
        syncAfterRename(source, target);
        return MoveOutcome.MOVED;
    }

    /**
     * Moves a submitted task from {@code incoming/} into {@code pending/} without replacing a file
     * of the same name that got there since the {@link #find} check (a task of that id moving back
     * to pending): a hard link fails atomically with EEXIST where {@code rename} would replace.
     * Filesystems without hard links fall back to the rename (the find check alone then guards).
     */
    private MoveOutcome publish(Path temp, Path target, String taskId) {
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            if (!sameFile(target, temp)) {
                deleteQuietly(temp);
                throw new MigrateException(ErrorCode.TASK_ID_EXISTS,
                        "task " + taskId + " reached pending/ meanwhile; not submitted again", e);
            }
            // a retransmitted link that took effect (NFS): ours
        } catch (NoSuchFileException e) {
            if (!Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
                return MoveOutcome.LOST_RACE;
            }
            return rename(temp, target);
        } catch (UnsupportedOperationException | IOException e) {
            return rename(temp, target);
        }
        try {
            Files.delete(temp);
        } catch (NoSuchFileException e) {
            // a stale-temp cleaner took the name: pending/ holds the task already
        } catch (IOException e) {
            log.warn("task {}: could not remove {} after linking it into pending/: {}", taskId, temp, e.toString());
        }
        syncAfterRename(temp, target);
        return MoveOutcome.MOVED;
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
     * directory) replaced by a link would make a rename put the task outside the task root.
     */
    private void requireInsideRoot(Path dir) {
        for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
            BasicFileAttributes a;
            try {
                a = TaskRootFiles.lstat(d);
            } catch (IOException e) {
                throw io("cannot look at " + d, e);
            }
            if (a == null) {
                throw new MigrateException(ErrorCode.TASK_STORE_IO, root.relativize(d) + " does not exist; nothing moved");
            }
            if (!a.isDirectory()) {
                throw new MigrateException(ErrorCode.NOT_A_TASK_FILE, root.relativize(d)
                        + " is not a directory (a symbolic link or a file); nothing moved");
            }
        }
    }

    /** Source and destination tell what a failed rename actually did. */
    private MoveOutcome afterRenameError(Path source, Path target, IOException e) {
        boolean sourceExists = Files.exists(source, LinkOption.NOFOLLOW_LINKS);
        boolean targetExists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
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

    /**
     * Appends to an existing file, opened by path (never created).
     *
     * @return false if the file does not exist
     */
    private boolean appendIfPresent(Path file, byte[] bytes, boolean sync) {
        try {
            // Never through a link, never to a directory or FIFO: those count as "not there".
            return TaskRootFiles.appendRegular(file, bytes, sync);
        } catch (IOException e) {
            throw io("cannot append to " + file, e);
        }
    }

    private boolean setModifiedNow(Path file) {
        try {
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
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("directory fsync not possible on {}: {}", dir, e.toString());
        }
    }

    /**
     * Names of the regular files in a directory matching a filter, unsorted; empty if the
     * directory does not exist. Links, directories and special files are never returned.
     */
    private List<String> names(Path dir, Predicate<String> filter) {
        try {
            return TaskRootFiles.regularFileNames(dir, filter);
        } catch (IOException e) {
            throw io("cannot list " + dir, e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
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
         * @param syncDirectories whether to fsync directories after renames (default true; turn
         *     off only for throw-away roots such as benchmarks on tmpfs)
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
         *     for local filesystems (ext4, xfs, btrfs, tmpfs, zfs, ...), true for every other
         * @return this
         */
        public Builder renameEnoentMayBeEcho(Boolean echo) {
            this.enoentMayBeEcho = echo;
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
            return new DirectoryTaskStore(this);
        }
    }
}
