package io.migrate.task;

import io.migrate.error.ErrorCode;
import io.migrate.internal.Require;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules a task must keep before it is stored or executed. Every rejection is an
 * {@link InvalidTaskException} whose code names the rule and whose field names the offending
 * JSON field ({@code files[3].source}), so a bad task goes to {@code failed/} with a precise
 * reason and never stops the others.
 *
 * <p>Rules (limits configurable through {@link #builder()}):
 * <ul>
 *   <li>{@code id} has the {@link TaskIds} format; {@code parentTaskId} and {@code rootTaskId},
 *       when present, too;</li>
 *   <li>{@code attempt >= 1};</li>
 *   <li>{@code sourceRoot} is absolute ({@code /...}) without control characters;</li>
 *   <li>1 to {@link #maxFiles()} files (default 500): {@link ErrorCode#TOO_MANY_FILES};</li>
 *   <li>source paths are relative ({@link ErrorCode#ABSOLUTE_PATH}), have no {@code ..} segment
 *       ({@link ErrorCode#PATH_TRAVERSAL}), no empty or {@code .} segment
 *       ({@link ErrorCode#EMPTY_NAME}), no NUL or other control character
 *       ({@link ErrorCode#ILLEGAL_CHARACTER}), no unpaired UTF-16 surrogate
 *       ({@link ErrorCode#INVALID_ENCODING});</li>
 *   <li>target keys are non-empty, do not start with {@code /}, are at most
 *       {@link #maxTargetKeyBytes()} UTF-8 bytes (default 1024) ({@link ErrorCode#INVALID_TARGET_KEY}),
 *       have no empty, {@code .} or {@code ..} segment and no control character;</li>
 *   <li>no source path and no target key appears twice ({@link ErrorCode#DUPLICATE_ENTRY});</li>
 *   <li>the task file is at most {@link #maxTaskFileBytes()} (default 16 MiB) long: larger
 *       files are rejected with {@link ErrorCode#TASK_FILE_TOO_LARGE} without being parsed;
 *       its bytes are valid UTF-8 and its schema version is {@link MigrationTask#SCHEMA_VERSION}
 *       (checked by the store when it reads a file).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskValidator {
    /** Default maximum number of files per task. */
    public static final int DEFAULT_MAX_FILES = 500;
    /** Default maximum size of a task file, history and result included: 16 MiB. */
    public static final long DEFAULT_MAX_TASK_FILE_BYTES = 16L * 1024 * 1024;
    /** Default maximum length of a target key in UTF-8 bytes (the S3 limit). */
    public static final int DEFAULT_MAX_TARGET_KEY_BYTES = 1024;

    private final int maxFiles;
    private final long maxTaskFileBytes;
    private final int maxTargetKeyBytes;

    private TaskValidator(Builder b) {
        this.maxFiles = b.maxFiles;
        this.maxTaskFileBytes = b.maxTaskFileBytes;
        this.maxTargetKeyBytes = b.maxTargetKeyBytes;
    }

    /** @return a validator with the default limits */
    public static TaskValidator defaults() {
        return builder().build();
    }

    /** @return a builder starting from the default limits */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the maximum number of files per task */
    public int maxFiles() {
        return maxFiles;
    }

    /** @return the maximum size of a task file in bytes */
    public long maxTaskFileBytes() {
        return maxTaskFileBytes;
    }

    /** @return the maximum length of a target key in UTF-8 bytes */
    public int maxTargetKeyBytes() {
        return maxTargetKeyBytes;
    }

    /**
     * Checks every rule on a parsed task.
     *
     * @param task the task
     * @throws InvalidTaskException naming the first rule broken and its field
     */
    public void validate(MigrationTask task) {
        if (!TaskIds.isValid(task.id())) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "id", "not a task id: " + printable(task.id()));
        }
        if (task.attempt() < 1) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "attempt", "must be >= 1, was " + task.attempt());
        }
        task.parentTaskId().ifPresent(p -> {
            if (!TaskIds.isValid(p)) {
                throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "parentTaskId", "not a task id: " + printable(p));
            }
        });
        if (!TaskIds.isValid(task.rootTaskId())) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "rootTaskId", "not a task id: "
                    + printable(task.rootTaskId()));
        }
        checkSourceRoot(task.sourceRoot());
        checkFiles(task.files());
    }

    /**
     * Checks the size of a task file before it is read.
     *
     * @param bytes the file's size
     * @throws InvalidTaskException with {@link ErrorCode#TASK_FILE_TOO_LARGE}
     */
    public void checkFileSize(long bytes) {
        if (bytes > maxTaskFileBytes) {
            throw new InvalidTaskException(ErrorCode.TASK_FILE_TOO_LARGE, null,
                    "task file has " + bytes + " bytes, at most " + maxTaskFileBytes + " allowed");
        }
    }

    /**
     * Checks a schema version read from a task file.
     *
     * @param version the {@code schemaVersion} field
     * @throws InvalidTaskException with {@link ErrorCode#UNSUPPORTED_SCHEMA_VERSION}
     */
    public void checkSchemaVersion(int version) {
        if (version != MigrationTask.SCHEMA_VERSION) {
            throw new InvalidTaskException(ErrorCode.UNSUPPORTED_SCHEMA_VERSION, "schemaVersion",
                    "version " + version + " is not supported, this release reads " + MigrationTask.SCHEMA_VERSION);
        }
    }

    private static void checkSourceRoot(String root) {
        if (root.isEmpty()) {
            throw new InvalidTaskException(ErrorCode.EMPTY_NAME, "sourceRoot", "must not be empty");
        }
        checkCharacters("sourceRoot", root);
        if (!root.startsWith("/")) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "sourceRoot", "must be an absolute path");
        }
    }

    private void checkFiles(List<FileEntry> files) {
        if (files.isEmpty()) {
            throw new InvalidTaskException(ErrorCode.INVALID_FIELD, "files", "a task needs at least one file");
        }
        if (files.size() > maxFiles) {
            throw new InvalidTaskException(ErrorCode.TOO_MANY_FILES, "files",
                    files.size() + " files, at most " + maxFiles + " allowed");
        }
        Map<String, Integer> sources = new HashMap<>();
        Map<String, Integer> targets = new HashMap<>();
        for (int i = 0; i < files.size(); i++) {
            FileEntry e = files.get(i);
            String sourceField = "files[" + i + "].source";
            String targetField = "files[" + i + "].target";
            checkSourcePath(sourceField, e.sourcePath());
            checkTargetKey(targetField, e.targetKey());
            Integer first = sources.putIfAbsent(e.sourcePath(), i);
            if (first != null) {
                throw new InvalidTaskException(ErrorCode.DUPLICATE_ENTRY, sourceField,
                        "same source path as files[" + first + "]");
            }
            first = targets.putIfAbsent(e.targetKey(), i);
            if (first != null) {
                throw new InvalidTaskException(ErrorCode.DUPLICATE_ENTRY, targetField,
                        "same target key as files[" + first + "]");
            }
        }
    }

    private static void checkSourcePath(String field, String path) {
        if (path.isEmpty()) {
            throw new InvalidTaskException(ErrorCode.EMPTY_NAME, field, "must not be empty");
        }
        checkCharacters(field, path);
        if (path.startsWith("/") || path.startsWith("\\")) {
            throw new InvalidTaskException(ErrorCode.ABSOLUTE_PATH, field,
                    "must be relative to the source root: " + path);
        }
        checkSegments(field, path);
    }

    private void checkTargetKey(String field, String key) {
        if (key.isEmpty()) {
            throw new InvalidTaskException(ErrorCode.EMPTY_NAME, field, "must not be empty");
        }
        checkCharacters(field, key);
        if (key.startsWith("/")) {
            throw new InvalidTaskException(ErrorCode.INVALID_TARGET_KEY, field, "must not start with '/': " + key);
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxTargetKeyBytes) {
            throw new InvalidTaskException(ErrorCode.INVALID_TARGET_KEY, field,
                    bytes + " UTF-8 bytes, at most " + maxTargetKeyBytes + " allowed");
        }
        checkSegments(field, key);
    }

    /** Segments must be real names: no {@code ..} (escape), no empty or {@code .} (aliases). */
    private static void checkSegments(String field, String path) {
        int start = 0;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = path.substring(start, end);
            if (segment.equals("..")) {
                throw new InvalidTaskException(ErrorCode.PATH_TRAVERSAL, field, "'..' segment in " + path);
            }
            if (segment.isEmpty() || segment.equals(".")) {
                throw new InvalidTaskException(ErrorCode.EMPTY_NAME, field, "empty or '.' segment in " + path);
            }
            start = end + 1;
        }
    }

    private static void checkCharacters(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw new InvalidTaskException(ErrorCode.ILLEGAL_CHARACTER, field,
                        String.format("control character U+%04X at index %d", (int) c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidTaskException(ErrorCode.INVALID_ENCODING, field,
                        String.format("unpaired surrogate U+%04X at index %d", (int) c, i));
            }
        }
    }

    /** Ids come from untrusted files: keep log lines and messages readable and short. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }

    /** Builds a {@link TaskValidator}. Not thread-safe. */
    public static final class Builder {
        private int maxFiles = DEFAULT_MAX_FILES;
        private long maxTaskFileBytes = DEFAULT_MAX_TASK_FILE_BYTES;
        private int maxTargetKeyBytes = DEFAULT_MAX_TARGET_KEY_BYTES;

        private Builder() {
        }

        /**
         * @param maxFiles most files one task may hold, 1 to 1,000,000 (default 500)
         * @return this
         */
        public Builder maxFiles(int maxFiles) {
            this.maxFiles = maxFiles;
            return this;
        }

        /**
         * @param maxTaskFileBytes largest task file read, 1 KiB to 1 GiB (default 16 MiB)
         * @return this
         */
        public Builder maxTaskFileBytes(long maxTaskFileBytes) {
            this.maxTaskFileBytes = maxTaskFileBytes;
            return this;
        }

        /**
         * @param maxTargetKeyBytes longest target key in UTF-8 bytes, 1 to 65,536 (default 1024)
         * @return this
         */
        public Builder maxTargetKeyBytes(int maxTargetKeyBytes) {
            this.maxTargetKeyBytes = maxTargetKeyBytes;
            return this;
        }

        /**
         * @return the validator
         * @throws io.migrate.error.ConfigurationException if a limit is out of range
         */
        public TaskValidator build() {
            Require.inRange("task.maxFiles", maxFiles, 1, 1_000_000);
            Require.inRange("task.maxTaskFileBytes", maxTaskFileBytes, 1024L, 1L << 30);
            Require.inRange("task.maxTargetKeyBytes", maxTargetKeyBytes, 1, 65_536);
            return new TaskValidator(this);
        }
    }
}
