package io.migrate.move;

import io.migrate.task.TaskStore;

/** What the part-resume process tests read of a task's ledgers, decoded the way the mover does. */
public final class PartLedgers {
    private PartLedgers() {
    }

    /**
     * @param store the task root's store
     * @param taskId the task
     * @param fileIndex the task's file
     * @return the bytes the best ledger of that file records (what an attempt has stored, at least);
     *     a record being appended (torn) or an unreadable ledger counts nothing
     */
    public static long recordedBytes(TaskStore store, String taskId, int fileIndex) {
        long best = 0;
        for (TaskStore.Ledger l : store.ledgers(taskId, fileIndex)) {
            best = Math.max(best, PartLedger.decode(l).map(PartLedger::bytes).orElse(0L));
        }
        return best;
    }
}
