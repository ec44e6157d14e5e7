package io.migrate.transport.posix;

import io.migrate.error.ErrorCode;
import io.migrate.transport.Disposition;
import io.migrate.transport.TransportException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/** Maps {@link IOException}s of the POSIX transport to dispositions and codes. */
final class PosixErrors {
    private PosixErrors() {
    }

    static TransportException classify(IOException e, PosixTransport.Endpoint ep, String what) {
        String msg = String.valueOf(e.getMessage());
        String detail = "endpoint " + ep.id + ": " + what + " failed: " + e;
        if (msg.contains("No space left") || msg.contains("Disk quota exceeded") || msg.contains("quota")) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.QUOTA_EXCEEDED, detail, e);
        }
        if (e instanceof AccessDeniedException || msg.contains("Permission denied")
                || msg.contains("Read-only file system") || msg.contains("Operation not permitted")) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.ACCESS_DENIED, detail, e);
        }
        if (!Files.isDirectory(ep.root)) {
            return new TransportException(Disposition.FAILOVER, ErrorCode.ENDPOINTS_UNAVAILABLE,
                    "endpoint " + ep.id + ": root " + ep.root + " is gone; " + detail, e);
        }
        if (msg.contains("Stale file handle") || msg.contains("Transport endpoint is not connected")
                || msg.contains("Input/output error")) {
            return new TransportException(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED, detail, e);
        }
        if (e instanceof DirectoryNotEmptyException || msg.contains("File name too long")
                || msg.contains("Not a directory") || msg.contains("Is a directory")) {
            return new TransportException(Disposition.PERMANENT, ErrorCode.INVALID_TARGET_KEY, detail, e);
        }
        if (e instanceof NoSuchFileException) {
            // The root is there but our temporary file is not: removed behind our back
            // (or aborted); writing again cannot bring it back.
            return new io.migrate.transport.UploadGoneException(detail, e);
        }
        return new TransportException(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED, detail, e);
    }
}
