package io.migrate.transport;

import io.migrate.error.ErrorCode;

/**
 * The upload a call needed no longer exists at the destination: someone else removed it (the
 * stale-upload sweeper, another node resuming the same task and starting over, a zombie's abort, an
 * operator), so neither a retry nor another endpoint can finish it. S3: {@code 404 NoSuchUpload},
 * Ceph RGW's {@code 500 InternalError} "multipart completion is already in progress" for an aborted
 * upload, {@code NoSuchKey} for a temporary object; POSIX: the temporary file vanished.
 *
 * <p>The mover catches it separately: while the run still owns its task it opens a new upload and
 * sends the file again within the same attempt (at most {@code MoverThread.MAX_RESTARTS} times),
 * instead of failing the file for the task's retry. Always {@link Disposition#PERMANENT} with
 * {@link ErrorCode#TRANSPORT_FAILED} (a retryable code), so a caller that does not restart fails
 * the file as before.
 */
public class UploadGoneException extends TransportException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message detail, never credentials
     * @param cause the underlying error, or null
     */
    public UploadGoneException(String message, Throwable cause) {
        super(Disposition.PERMANENT, ErrorCode.TRANSPORT_FAILED, message, cause);
    }
}
