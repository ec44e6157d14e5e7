package io.migrate.task;

import io.migrate.error.ErrorCode;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * File names on the task root (see {@code docs/task-root.md}):
 * <ul>
 *   <li>{@code pending/}, {@code inbox/}, {@code running/}: {@code <id>.json};</li>
 *   <li>{@code done/}: {@code <id>~<runId>.json}: the run whose result record is the committed
 *       one;</li>
 *   <li>{@code archive/}: the name the task had in {@code done/} or {@code failed/};</li>
 *   <li>{@code failed/}: {@code <id>~<CODE>.json}, or {@code <id>~<CODE>~<runId>.json} when a
 *       result was kept: the reason is readable from the name even when the file cannot be
 *       parsed;</li>
 *   <li>{@code incoming/}: {@code .<id>.tmp}.</li>
 * </ul>
 * Names starting with {@code .} and names not ending in {@code .json} are not tasks.
 */
final class TaskFileNames {
    static final String SUFFIX = ".json";
    static final char SEPARATOR = '~';
    static final String TEMP_SUFFIX = ".tmp";

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private TaskFileNames() {
    }

    static boolean isTaskFile(String name) {
        return !name.startsWith(".") && name.endsWith(SUFFIX) && name.length() > SUFFIX.length();
    }

    /**
     * Whether a name in a state directory is one the store may open: a task file named exactly as
     * that state names its files ({@code <id>.json}; {@code <id>~<runId>.json} in done/ and
     * archive/; {@code <stem>~<CODE>[~<runId>].json} in failed/, whose stem may predate id
     * checks). Hidden names are never well-formed and never touched ({@link #isHidden}).
     */
    static boolean isWellFormed(TaskState state, String name) {
        if (!isTaskFile(name)) {
            return false;
        }
        Parsed p = parse(state, name);
        return switch (state) {
            case PENDING, INBOX, RUNNING -> TaskIds.isValid(p.taskId()) && name.equals(activeName(p.taskId()));
            case DONE -> TaskIds.isValid(p.taskId()) && isValidRunId(p.runId());
            // archive/ also holds tasks published from failed/, under their failed/ name.
            case ARCHIVED -> p.failureCode() != null ? !p.taskId().isEmpty()
                    : TaskIds.isValid(p.taskId()) && isValidRunId(p.runId());
            case FAILED -> p.failureCode() != null && !p.taskId().isEmpty();
            case INCOMING -> false;
        };
    }

    /**
     * Names the store leaves alone wherever they are: {@code .nfsXXXX} files of NFS silly
     * renames, submitters' {@code .<id>.tmp}, editors' hidden files. Moving an {@code .nfs} file
     * would break the client that holds it open.
     */
    static boolean isHidden(String name) {
        return name.startsWith(".");
    }

    static boolean isValidRunId(String runId) {
        return runId != null && RUN_ID.matcher(runId).matches();
    }

    static boolean isValidNode(String node) {
        return node != null && NODE.matcher(node).matches();
    }

    static String activeName(String taskId) {
        return taskId + SUFFIX;
    }

    static String doneName(String taskId, String runId) {
        return taskId + SEPARATOR + runId + SUFFIX;
    }

    static String failedName(String taskId, ErrorCode code, String runId) {
        return taskId + SEPARATOR + code.name() + (runId == null ? "" : SEPARATOR + runId) + SUFFIX;
    }

    static String tempName(String taskId) {
        return "." + taskId + TEMP_SUFFIX;
    }

    // ------------------------------------------------------------------ buckets (layout 2)

    /** Length of an hour directory's name: {@code yyyyMMdd'T'HH}, the first 11 characters of an id. */
    static final int HOUR_LENGTH = 11;
    /** Length of a bucket directory's name: the id's first 14 characters, ten seconds of eligibility. */
    static final int BUCKET_LENGTH = 14;

    /** @return the hour directory of a valid id ({@code 20261125T08}) */
    static String hourOf(String taskId) {
        return taskId.substring(0, HOUR_LENGTH);
    }

    /** @return the bucket directory of a valid id ({@code 20261125T08185}: 08:18:50 to 08:18:59.999) */
    static String bucketOf(String taskId) {
        return taskId.substring(0, BUCKET_LENGTH);
    }

    /** @return whether a name is an hour directory's: eight digits, {@code T}, two digits */
    static boolean isHourName(String name) {
        return name.length() == HOUR_LENGTH && digits(name, 0, 8) && name.charAt(8) == 'T' && digits(name, 9, 11);
    }

    /** @return whether a name is a bucket directory's inside the given hour */
    static boolean isBucketName(String hour, String name) {
        return name.length() == BUCKET_LENGTH && name.startsWith(hour) && digits(name, HOUR_LENGTH, BUCKET_LENGTH);
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ side files (layout 2)

    static final String RESULT_PREFIX = "result" + SEPARATOR;
    static final String EVENT_PREFIX = "event" + SEPARATOR;

    /** The side file naming the retry of a task: created once, never replaced (see {@link TaskStore#retryIdFor}). */
    static final String RETRY_NAME = "retry" + SUFFIX;

    static final String LEDGER_PREFIX = "ledger" + SEPARATOR;

    /**
     * @param file the file's index in the task
     * @param runId the run that writes it (the only writer of this name)
     * @return the side file holding one run's part ledger journal of one file of the task (JSON
     *     lines: a header, then one record per finished part)
     */
    static String ledgerName(int file, String runId) {
        return ledgerPrefix(file) + runId + JOURNAL_SUFFIX;
    }

    /**
     * Suffix of a part ledger journal. The whole-file ledgers of earlier releases ({@code .json})
     * are not read: they are left for the purge of their task.
     */
    static final String JOURNAL_SUFFIX = ".jsonl";

    /** @return what every run's ledger name of file {@code file} starts with */
    static String ledgerPrefix(int file) {
        return LEDGER_PREFIX + file + SEPARATOR;
    }

    /** @return the side file holding the result of one run: written only by the host running it */
    static String resultName(String runId) {
        return RESULT_PREFIX + runId + SUFFIX;
    }

    /**
     * @param epochMillis when the event happened (the name sorts by it)
     * @param unique random hex, so two writers never pick the same name
     * @return the side file holding one history event
     */
    static String eventName(long epochMillis, String unique) {
        return EVENT_PREFIX + String.format("%015d", Math.max(0, epochMillis)) + SEPARATOR + unique + SUFFIX;
    }

    /** @return the ref of a listed file (the name must satisfy {@link #isTaskFile}) */
    static TaskRef ref(TaskState state, String node, String fileName) {
        return new TaskRef(parse(state, fileName).taskId(), state, node, fileName);
    }

    /** What a name says: the task id and, depending on the state, the committed run and the failure code. */
    record Parsed(String taskId, String runId, ErrorCode failureCode) {
    }

    static Parsed parse(TaskState state, String fileName) {
        String stem = fileName.endsWith(SUFFIX) ? fileName.substring(0, fileName.length() - SUFFIX.length()) : fileName;
        switch (state) {
            case ARCHIVED: {
                // archive/ holds published tasks from done/ and from failed/, each under its old name.
                Parsed failedForm = parse(TaskState.FAILED, fileName);
                if (failedForm.failureCode() != null) {
                    return failedForm;
                }
                return parse(TaskState.DONE, fileName);
            }
            case DONE: {
                int cut = stem.lastIndexOf(SEPARATOR);
                if (cut <= 0) {
                    return new Parsed(stem, null, null);
                }
                return new Parsed(stem.substring(0, cut), stem.substring(cut + 1), null);
            }
            case FAILED: {
                // Parsed from the right: a stem that is not a task id may itself contain '~'.
                int last = stem.lastIndexOf(SEPARATOR);
                if (last <= 0) {
                    return new Parsed(stem, null, null);
                }
                ErrorCode code = code(stem.substring(last + 1));
                if (code != null) {
                    return new Parsed(stem.substring(0, last), null, code);
                }
                int before = stem.lastIndexOf(SEPARATOR, last - 1);
                if (before > 0) {
                    code = code(stem.substring(before + 1, last));
                    if (code != null) {
                        return new Parsed(stem.substring(0, before), stem.substring(last + 1), code);
                    }
                }
                return new Parsed(stem, null, null);
            }
            default:
                return new Parsed(stem, null, null);
        }
    }

    private static ErrorCode code(String name) {
        try {
            return ErrorCode.valueOf(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the failure code a ref's name carries, for refs in {@code failed/} (or archived from there) */
    static Optional<ErrorCode> failureCode(TaskRef ref) {
        return ref.state() == TaskState.FAILED || ref.state() == TaskState.ARCHIVED
                ? Optional.ofNullable(parse(ref.state(), ref.fileName()).failureCode())
                : Optional.empty();
    }
}
