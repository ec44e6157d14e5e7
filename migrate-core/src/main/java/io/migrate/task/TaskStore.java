package io.migrate.task;

import io.migrate.error.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The durable home of every task, shared by the manager and all backends. The default is
 * {@link DirectoryTaskStore} on a shared directory (the task root).
 *
 * <p>Contract every implementation keeps (see {@code docs/task-root.md}):
 * <ul>
 *   <li>a task is in exactly one {@link TaskState} (and, per node, one node) at a time;</li>
 *   <li>every transition is one atomic compare-and-swap (a rename): when the source has already
 *       moved, the call returns {@link MoveOutcome#LOST_RACE} and changes nothing;</li>
 *   <li>after any ambiguous error the implementation looks at source and destination to learn
 *       what happened (NFS may report {@code ENOENT} for a rename that succeeded);</li>
 *   <li>listing does not open task files and returns only tasks: an entry that is not a task
 *       file (a directory, a symbolic link, a special file, a foreign name) is never listed,
 *       read, written or followed (see {@link #quarantineForeign()}).</li>
 * </ul>
 *
 * <p>Thread-safety: all methods may be called concurrently, from any number of threads and
 * processes. I/O failures surface as {@link io.migrate.error.MigrateException} with
 * {@link ErrorCode#TASK_STORE_IO}.
 */
public interface TaskStore {

    /**
     * Validates the task and makes it durable in {@code pending/}: written to a temporary file,
     * flushed to disk, renamed. Returns only once the task survives a crash.
     *
     * @param task the task
     * @return where it now is
     * @throws InvalidTaskException if the task breaks a rule ({@link TaskValidator})
     * @throws io.migrate.error.MigrateException {@code TASK_ID_EXISTS} if a task with this id is
     *     anywhere in the store (any state, archive included); nothing is stored
     */
    TaskRef submit(MigrationTask task);

    /**
     * Lists tasks in a state, sorted by file name (so by eligibility time). For per-node states
     * this lists every node's directory.
     *
     * @param state the state
     * @return a stream of the names listed when it was made (implementations may fill it lazily);
     *     close it (try-with-resources)
     */
    Stream<TaskRef> list(TaskState state);

    /**
     * Lists one node's tasks in a per-node state, sorted by file name.
     *
     * @param state {@link TaskState#INBOX} or {@link TaskState#RUNNING}
     * @param node the node
     * @return a stream of the names listed when it was made (implementations may fill it lazily);
     *     close it
     */
    Stream<TaskRef> list(TaskState state, String node);

    /**
     * Counts the tasks in a directory without opening them.
     *
     * @param state the state
     * @param node the node for per-node states, else null
     * @return the number of task files
     */
    long count(TaskState state, String node);

    /** @return every node that has a directory on the task root */
    Set<String> nodes();

    /**
     * Creates a node's directories if absent. Idempotent.
     *
     * @param node the node id
     */
    void registerNode(String node);

    /**
     * Reads a task file.
     *
     * @param ref where it was listed
     * @return the task, or empty if it has moved since
     * @throws InvalidTaskException if the file is malformed; the caller moves it to failed
     */
    Optional<StoredTask> read(TaskRef ref);

    /**
     * Reads only the task document of a task file: what a worker needs to run it, without its
     * history or result. A store whose history lives apart from the task (side files written by
     * other hosts) reads nothing else, so a worker's claim never waits on another host's writes.
     * The default reads the whole task.
     *
     * @param ref where it was listed
     * @return the task, or empty if it has moved since
     * @throws InvalidTaskException if the task file is malformed; the caller moves it to failed
     */
    default Optional<MigrationTask> readTask(TaskRef ref) {
        return read(ref).map(StoredTask::task);
    }

    /**
     * Moves a task: the ownership compare-and-swap.
     *
     * @param ref where the task is believed to be
     * @param to the target state
     * @param toNode the node for per-node targets, else null
     * @return {@link MoveOutcome#LOST_RACE} if it was no longer at {@code ref}
     */
    MoveOutcome move(TaskRef ref, TaskState to, String toNode);

    /**
     * Moves a task and records why in its history. The event is appended after the move, so a
     * lost race records nothing.
     *
     * @param ref where the task is believed to be
     * @param to the target state
     * @param toNode the node for per-node targets, else null
     * @param event what to record
     * @return the outcome
     */
    MoveOutcome move(TaskRef ref, TaskState to, String toNode, TaskEvent event);

    /**
     * Renews the lease of a running task (its file's modification time).
     *
     * @param running a ref in {@link TaskState#RUNNING}
     * @return false if the file is gone: this node no longer owns the task
     */
    boolean touchLease(TaskRef running);

    /**
     * @param running a ref in {@link TaskState#RUNNING}
     * @return the last lease renewal, or empty if the file is gone
     */
    Optional<Instant> leaseRenewedAt(TaskRef running);

    /**
     * Commits a finished attempt: appends the result to the running file and renames it to
     * {@code done/}. If the running file has moved (this node was presumed dead), returns
     * {@link MoveOutcome#LOST_RACE}; any result bytes that reached the moved file carry a run id
     * that does not match its name and are never read as its result.
     *
     * @param running a ref in {@link TaskState#RUNNING}
     * @param result the result
     * @return the outcome
     */
    MoveOutcome complete(TaskRef running, TaskResult result);

    /**
     * Moves a task to {@code failed/} with its result and records the reason (as a
     * {@link TaskEvent.Type#FAILED} event). Every task in {@code failed/} has exactly one
     * committed result, durable before the move (like {@link #complete}): the
     * {@link io.migrate.result.ResultOutbox} publishes it and then moves the task to
     * {@code archive/}. When the caller gives no result the store derives one with
     * {@link TaskResult#ended}: the task's files (if it can be read) failed with {@code code},
     * outcome {@link TaskResult#endedOutcome}, the task's attempt (1 if unreadable).
     *
     * @param ref where the task is believed to be (any state but failed/)
     * @param code why; readable from the task root even when the file cannot be parsed
     * @param message detail (for an unreadable file, the raw reason)
     * @param result the result to commit, or null to derive one
     * @return {@link MoveOutcome#LOST_RACE} if the task was no longer at {@code ref}
     */
    MoveOutcome fail(TaskRef ref, ErrorCode code, String message, TaskResult result);

    /**
     * Reads the committed result of a terminal task, even when its task document cannot be
     * parsed (the outbox publishes results of unreadable tasks too).
     *
     * @param ref a ref in {@link TaskState#DONE}, {@link TaskState#FAILED} or
     *     {@link TaskState#ARCHIVED}
     * @return the committed result; for a task in {@code failed/} (or archived from there) whose
     *     file holds no result record (failed by an older release), one derived from what the
     *     store knows (id, failure code, reason), the same on every call; empty if the file has
     *     moved, for other states, or for a task in {@code done/} without its committed record
     */
    Optional<TaskResult> result(TaskRef ref);

    /**
     * Finds a task by id, looking in every state.
     *
     * @param taskId the id
     * @return where it is, or empty when unknown (or removed after the retention period)
     */
    Optional<TaskRef> find(String taskId);

    /**
     * The id of the retry of task {@code taskId}: the first id ever proposed for it, kept durably
     * with the task, so that every run of the task submits the same retry. A run that crashed after
     * submitting its retry and before committing its own result is run again (on this node or after
     * a reclaim); the new run then gets the same id, {@link #submit} refuses the second copy
     * ({@code TASK_ID_EXISTS}), and the request still ends with exactly one final result.
     *
     * @param taskId the task that is to be retried
     * @param proposed a fresh id for the retry, used when none was chosen before
     * @return the retry's id: {@code proposed}, or the one an earlier run of the task chose
     * @implSpec the default returns {@code proposed}: a store without durable per-task records
     *     cannot remember a choice, and a crash in that window can then leave two retries
     */
    default String retryIdFor(String taskId, String proposed) {
        return proposed;
    }

    /**
     * The retry an earlier run of task {@code taskId} chose with {@link #retryIdFor}, if any. A run
     * that needs no retry itself (its files succeeded this time) still hands the request on to that
     * retry, which exists or will: its own result is then not the request's final one.
     *
     * @param taskId the task
     * @return the retry's id, or empty if no run of the task created one
     * @implSpec the default knows none
     */
    default Optional<String> retryId(String taskId) {
        return Optional.empty();
    }

    /**
     * Starts one run's <em>part ledger</em> of one file of a task: a journal of what that run has
     * uploaded of a large file (the mover's resume state, opaque to the store), so that a later run
     * of the same task, on this node after a restart or on another node after a reclaim, can resume
     * the upload instead of sending the file again. The journal is one header record (the upload)
     * followed by one record per finished part ({@link #appendLedger}), so recording a part costs
     * O(1) bytes however many parts the file has. Kept with the task (so it follows the task
     * wherever it is reclaimed to) and removed with it. Written only by the host executing
     * {@code runId}; starting again (a new upload within the run) replaces that run's journal of
     * that file whole, and never touches another run's. A ledger is a hint: the reader verifies
     * every part it names against the destination and the source before it skips sending it
     * ({@code docs/task-root.md}, "Part ledgers").
     *
     * @param taskId the task
     * @param runId the run writing it
     * @param file the file's index in the task
     * @param header the header record (at most {@link #MAX_LEDGER_HEADER_BYTES}, no line feed)
     * @return true if stored; false if this store keeps no ledgers (uploads then start over)
     * @throws IllegalArgumentException for an invalid task id, run id, index or header, before
     *     anything is written
     * @implSpec the default keeps nothing and returns false
     */
    default boolean startLedger(String taskId, String runId, int file, byte[] header) {
        return false;
    }

    /**
     * Appends records (one per finished part) to the journal {@code runId} started with
     * {@link #startLedger}, in one write: parts that finish together cost one write and one sync.
     * Only that run's host appends to it, one append at a time per file. A crash during the append
     * may leave its last record torn: readers drop a torn last record. Durable when the store makes
     * its other writes durable ({@link DirectoryTaskStore}: fsync'd unless built with
     * {@code syncDirectories(false)}).
     *
     * @param taskId the task
     * @param runId the run that started the journal
     * @param file the file's index in the task
     * @param records the records (each at most {@link #MAX_LEDGER_RECORD_BYTES}, no line feed; at
     *     least one)
     * @return true if appended; false if there is no such journal (never started, or removed with
     *     its task): nothing is written then
     * @throws IllegalArgumentException for an invalid name or record, or when the journal would
     *     grow beyond {@link #MAX_LEDGER_BYTES}: nothing is written then
     * @implSpec the default keeps nothing and returns false
     */
    default boolean appendLedger(String taskId, String runId, int file, List<byte[]> records) {
        return false;
    }

    /**
     * Every run's ledger journal of one file of a task ({@link #startLedger}), in no particular
     * order, each as written up to its last complete record: a record torn by a crash during its
     * append is dropped, and a journal that is unreadable or larger than {@link #MAX_LEDGER_BYTES}
     * is left out (logged at DEBUG), never an error of the task.
     *
     * @param taskId the task
     * @param file the file's index in the task
     * @return the journals, empty if none (or the store keeps none)
     * @implSpec the default returns none
     */
    default List<Ledger> ledgers(String taskId, int file) {
        return List.of();
    }

    /**
     * One run's ledger journal as read back ({@link #ledgers}).
     *
     * @param runId the run that wrote it (from the store's own naming, not from its content)
     * @param header the header record
     * @param records the complete records appended after it, in append order
     */
    record Ledger(String runId, byte[] header, List<byte[]> records) {
        public Ledger {
            records = List.copyOf(records);
        }
    }

    /** The largest ledger header {@link #startLedger} accepts (upload, fingerprint, metadata). */
    int MAX_LEDGER_HEADER_BYTES = 64 << 10;

    /** The largest ledger record {@link #appendLedger} accepts (one part: offset, length, CRC32C, tag). */
    int MAX_LEDGER_RECORD_BYTES = 1 << 10;

    /** The most parts a ledger journal records: a multipart upload has at most 10,000 parts. */
    int MAX_LEDGER_RECORDS = 10_000;

    /**
     * The largest journal a store keeps ({@link #appendLedger} refuses to grow one beyond it): a
     * header and {@link #MAX_LEDGER_RECORDS} records of the largest size, each with its line feed.
     */
    int MAX_LEDGER_BYTES = MAX_LEDGER_HEADER_BYTES + 1 + MAX_LEDGER_RECORDS * (MAX_LEDGER_RECORD_BYTES + 1);

    /**
     * Every place a task id is. A task the store moved is in one place; more than one means a
     * copy was written by hand or restored from a backup (see {@link #quarantineForeign()}).
     * Workers ask before they execute a task, so that an id that already ended, or that another
     * node is already running, does not run and publish a second result.
     *
     * @param taskId the id
     * @return the places, in lifecycle order (pending, inbox, running, done, archive, failed)
     * @implSpec the default returns {@link #find(String)}'s answer: stores that cannot hold two
     *     copies need nothing more
     */
    default List<TaskRef> copies(String taskId) {
        return find(taskId).map(List::of).orElse(List.of());
    }

    /**
     * Moves a task file into the quarantine ({@code rejected/} in {@link DirectoryTaskStore}), where
     * nothing reads it and no result is published for it. For a second copy of a task id (the
     * caller owns or leads the copy it moves).
     *
     * @param ref the copy to move
     * @param code why, e.g. {@link ErrorCode#DUPLICATE_TASK_ID}
     * @param reason detail for the log line
     * @return {@link MoveOutcome#LOST_RACE} if it was no longer at {@code ref}
     * @implSpec the default refuses: a store that never reports two copies never needs it
     */
    default MoveOutcome reject(TaskRef ref, ErrorCode code, String reason) {
        throw new UnsupportedOperationException(getClass().getName() + " has no quarantine");
    }

    /**
     * Moves the entries of the store's directories that are not tasks (written there by hand or
     * by a script: directories, links, special files, names that are not task ids) and second
     * copies of a task id out of the way, into a quarantine that is never read. Listing never
     * returns such entries in the first place, so they block nothing even before this runs; this
     * makes them visible to an operator and keeps the directories clean. Called by the leader's
     * housekeeping ({@code TaskReclaimer}), which is the only caller that may move tasks it does
     * not own.
     *
     * @return how many entries were moved
     * @implSpec the default does nothing and returns 0, for stores that cannot hold foreign entries
     */
    default int quarantineForeign() {
        return 0;
    }

    /**
     * Deletes archived tasks older than the retention.
     *
     * @param retention how long archived tasks are kept
     * @return how many were removed
     */
    int purgeArchive(Duration retention);

    /**
     * Deletes temporary files in {@code incoming/} older than the timeout (left by a submitter
     * that crashed mid-write); never touches younger ones.
     *
     * @param olderThan minimum age
     * @return how many were removed
     */
    int cleanStaleIncoming(Duration olderThan);
}
