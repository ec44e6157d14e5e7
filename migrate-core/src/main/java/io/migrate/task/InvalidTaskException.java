package io.migrate.task;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;

/**
 * A task (or task file) breaks a rule. The code names the rule, {@link #field()} the offending
 * field (for example {@code files[3].source}). A store moves such a task to {@code failed/}
 * with the code; it never stops other tasks.
 */
public class InvalidTaskException extends MigrateException {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param code the rule broken
     * @param field the offending field, or null for the file as a whole
     * @param message detail
     */
    public InvalidTaskException(ErrorCode code, String field, String message) {
        super(code, field == null ? message : field + ": " + message);
        this.field = field;
    }

    /**
     * @param code the rule broken
     * @param field the offending field, or null
     * @param message detail
     * @param cause the parser's exception
     */
    public InvalidTaskException(ErrorCode code, String field, String message, Throwable cause) {
        super(code, field == null ? message : field + ": " + message, cause);
        this.field = field;
    }

    /** @return the offending field, or null when the whole file is bad */
    public String field() {
        return field;
    }
}
