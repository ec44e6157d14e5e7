package io.migrate.transport;

/** What the mover does after a transport failure. */
public enum Disposition {
    /** Back off and retry on the same endpoint (throttling, request timeout). */
    RETRY,
    /** This endpoint is unwell: retry on another healthy endpoint. */
    FAILOVER,
    /** Retrying cannot help: the file fails with the exception's code. */
    PERMANENT
}
