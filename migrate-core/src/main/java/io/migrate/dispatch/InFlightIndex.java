package io.migrate.dispatch;

import io.migrate.error.MigrateException;
import io.migrate.task.FileEntry;
import io.migrate.task.MigrationTask;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStore;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's view of which files are in flight where: the files of every task in some node's
 * {@code inbox/} or {@code running/}, each mapped to the node that holds it. The dispatcher uses
 * it to send a duplicate (a task naming a file that is already in flight) to the node that holds
 * the original, where the mover moves a shared file once.
 *
 * <p>A file is identified by a 64-bit hash of {@code sourceRoot + '\0' + sourcePath + '\0' +
 * targetKey} (FNV-1a). A collision can only send a task to a node it does not share a file with:
 * extra load on that node, never a correctness problem.
 *
 * <p>What is in it: only in-flight tasks, never pending ones, so its size is bounded by
 * nodes x backlog per node x files per task (about 90 bytes per file: with the defaults, 20
 * tasks of 500 files, under 1 MB per node). It is built from the task root when the leader takes
 * a new epoch (a new leader knows nothing), and kept current by {@link #refresh}: names are listed
 * per node (cheap, files are not opened) and only names not yet indexed are read.
 *
 * <p>Thread-safety: none; owned by the dispatcher's tick (under its tick lock).
 */
final class InFlightIndex {
    private static final Logger LOG = LoggerFactory.getLogger(InFlightIndex.class);
    /** Files of a task that could not be read: tracked so it is not read again every tick. */
    static final long[] NO_FILES = new long[0];
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /** Task id -> where it is and its file hashes. */
    private final Map<String, Tracked> tasks = new HashMap<>();
    /** File hash -> the nodes holding an in-flight task that names it, with how many such tasks. */
    private final Map<Long, Holder> files = new HashMap<>();
    /** The epoch the index was built under; 0 when empty. */
    private long epoch;

    /**
     * @param sourceRoot the task's source root
     * @param file one of its files
     * @return the file's 64-bit identity
     */
    static long fileKey(String sourceRoot, FileEntry file) {
        long h = FNV_OFFSET;
        h = mix(h, sourceRoot) * FNV_PRIME; // the '\0' separator: FNV-1a of a zero byte
        h = mix(h, file.sourcePath()) * FNV_PRIME;
        return mix(h, file.targetKey());
    }

    private static long mix(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return h;
    }

    /**
     * @param task a task
     * @return the identities of its files
     */
    static long[] fileKeys(MigrationTask task) {
        List<FileEntry> entries = task.files();
        long[] keys = new long[entries.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = fileKey(task.sourceRoot(), entries.get(i));
        }
        return keys;
    }

    /**
     * Reads a task's file identities.
     *
     * @param store the store
     * @param ref the task
     * @return its file identities; empty if it has moved since; {@link #NO_FILES} if it cannot be read
     */
    static Optional<long[]> readKeys(TaskStore store, TaskRef ref) {
        try {
            return store.read(ref).map(StoredTask::task).map(InFlightIndex::fileKeys);
        } catch (MigrateException e) {
            // Malformed or unreadable: whoever handles the task reports it with its code.
            LOG.debug("Cannot read task {} for the in-flight index: {}", ref.taskId(), e.toString());
            return Optional.of(NO_FILES);
        }
    }

    /**
     * Brings the index up to date with the task root: rebuilt from scratch when {@code epoch} is not
     * the one it was built under, else only tasks that moved are updated, left ones dropped and
     * names not yet indexed read.
     *
     * @param store the store
     * @param epoch the leader epoch of this tick
     */
    void refresh(TaskStore store, long epoch) {
        if (this.epoch != epoch) {
            clear();
            this.epoch = epoch;
        }
        Map<String, TaskRef> seen = new HashMap<>();
        for (String node : store.nodes()) {
            // inbox before running: a task claimed in between is seen twice (fine), never missed
            for (TaskState state : List.of(TaskState.INBOX, TaskState.RUNNING)) {
                try (Stream<TaskRef> refs = store.list(state, node)) {
                    refs.forEach(r -> seen.put(r.taskId(), r));
                }
            }
        }
        Iterator<Map.Entry<String, Tracked>> it = tasks.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Tracked> e = it.next();
            TaskRef now = seen.remove(e.getKey());
            Tracked t = e.getValue();
            if (now == null) {
                unlink(t); // finished, failed or back in pending
                it.remove();
            } else if (!now.node().equals(t.node)) {
                unlink(t); // rebalanced or reclaimed and re-dispatched by another leader
                t.node = now.node();
                link(t);
            }
        }
        int read = 0;
        for (TaskRef ref : seen.values()) {
            Optional<long[]> keys = readKeys(store, ref);
            if (keys.isPresent()) {
                add(ref.taskId(), ref.node(), keys.get());
                read++;
            }
        }
        if (read > 0) {
            LOG.debug("In-flight index (epoch {}): read {} new tasks; {} tasks, {} files", epoch, read,
                    tasks.size(), files.size());
        }
    }

    /**
     * Records a task the dispatcher just moved into a node's inbox.
     *
     * @param taskId the task
     * @param node where it is
     * @param keys its file identities
     */
    void add(String taskId, String node, long[] keys) {
        Tracked old = tasks.remove(taskId);
        if (old != null) {
            unlink(old);
        }
        Tracked t = new Tracked(node, keys);
        tasks.put(taskId, t);
        link(t);
    }

    /**
     * @param keys a task's file identities
     * @param live which nodes may be chosen
     * @return the live node holding the most of these files in flight (the first in name order on
     *     ties), or null when none does
     */
    String nodeFor(long[] keys, Predicate<String> live) {
        if (files.isEmpty()) {
            return null;
        }
        Map<String, Integer> shared = null;
        for (long k : keys) {
            for (Holder h = files.get(k); h != null; h = h.next) {
                if (live.test(h.node)) {
                    if (shared == null) {
                        shared = new HashMap<>();
                    }
                    shared.merge(h.node, 1, Integer::sum);
                }
            }
        }
        if (shared == null) {
            return null;
        }
        String best = null;
        int most = 0;
        for (Map.Entry<String, Integer> e : shared.entrySet()) {
            if (e.getValue() > most || (e.getValue() == most && e.getKey().compareTo(best) < 0)) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    /** Forgets everything (leadership lost: a later epoch rebuilds it). */
    void clear() {
        tasks.clear();
        files.clear();
        epoch = 0;
    }

    /** @return in-flight tasks indexed */
    int taskCount() {
        return tasks.size();
    }

    /** @return distinct file identities indexed */
    int fileCount() {
        return files.size();
    }

    private void link(Tracked t) {
        for (long k : t.keys) {
            Holder first = files.get(k);
            Holder h = first;
            while (h != null && !h.node.equals(t.node)) {
                h = h.next;
            }
            if (h != null) {
                h.tasks++;
            } else {
                files.put(k, new Holder(t.node, first));
            }
        }
    }

    private void unlink(Tracked t) {
        for (long k : t.keys) {
            Holder first = files.get(k);
            Holder prev = null;
            for (Holder h = first; h != null; prev = h, h = h.next) {
                if (h.node.equals(t.node)) {
                    if (--h.tasks == 0) {
                        if (prev == null) {
                            if (h.next == null) {
                                files.remove(k);
                            } else {
                                files.put(k, h.next);
                            }
                        } else {
                            prev.next = h.next;
                        }
                    }
                    break;
                }
            }
        }
    }

    /** An in-flight task: its node (changes when it is moved) and its file identities. */
    private static final class Tracked {
        String node;
        final long[] keys;

        Tracked(String node, long[] keys) {
            this.node = node;
            this.keys = keys;
        }
    }

    /** One node holding a file in flight, in a short list per file (usually one element). */
    private static final class Holder {
        final String node;
        int tasks = 1;
        Holder next;

        Holder(String node, Holder next) {
            this.node = node;
            this.next = next;
        }
    }
}
