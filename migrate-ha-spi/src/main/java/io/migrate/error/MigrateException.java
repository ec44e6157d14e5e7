package io.migrate.error;

import java.util.Objects;

/**
 * The root of every exception the library throws. Unchecked; carries an {@link ErrorCode}.
 *
 * <p>Subclasses exist only where a caller catches them differently. The message is a sentence for
 * an operator, without the code (which travels beside it, {@link #code()}); it never contains
 * credentials.
 */
public class MigrateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * @param code what went wrong, never null
     * @param message a sentence for an operator
     */
    public MigrateException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * @param code what went wrong, never null
     * @param message a sentence for an operator
     * @param cause the underlying failure, kept as the cause
     */
    public MigrateException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** @return the stable error code */
    public ErrorCode code() {
        return code;
    }

    /**
     * The class, the code and the message, as stack traces and {@code log.warn("...", e)} print
     * them. {@link #getMessage()} is the sentence alone: hosts read the code from {@link #code()},
     * and a message re-wrapped into another exception or stored in a result does not repeat it.
     */
    @Override
    public String toString() {
        String message = getLocalizedMessage();
        return getClass().getName() + " [" + code + "]" + (message == null ? "" : ": " + message);
    }
}
