package io.migrate.transport;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.util.Objects;

/**
 * A classified transport failure. Every {@link Transport} maps its own errors (HTTP status,
 * vendor error codes, {@link java.io.IOException}s) to one of these.
 */
public class TransportException extends MigrateException {
    private static final long serialVersionUID = 1L;

    private final Disposition disposition;

    /**
     * @param disposition what the mover should do
     * @param code the code the file fails with if retries run out (or at once, if permanent)
     * @param message detail, never credentials
     * @param cause the underlying error, or null
     */
    public TransportException(Disposition disposition, ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
        this.disposition = Objects.requireNonNull(disposition, "disposition");
    }

    /** @return what the mover should do */
    public Disposition disposition() {
        return disposition;
    }
}
