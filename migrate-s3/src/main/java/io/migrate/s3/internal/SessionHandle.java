package io.migrate.s3.internal;

import io.migrate.error.ErrorCode;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * What {@code S3Transport.openSession} returns: a borrowed {@link S3Session} that goes back to
 * its pool on {@link #close()} (exactly once). Owned by one thread, like the session.
 */
public final class SessionHandle implements TransportSession {
    private final SessionPool pool;
    private S3Session session;

    /**
     * @param pool the pool it came from
     * @param session the borrowed session
     */
    public SessionHandle(SessionPool pool, S3Session session) {
        this.pool = pool;
        this.session = session;
    }

    private S3Session s() {
        S3Session s = session;
        if (s == null) {
            throw new TransportException(Disposition.PERMANENT, ErrorCode.INTERNAL, "session is closed", null);
        }
        return s;
    }

    @Override
    public String endpointId() {
        return s().endpointId();
    }

    @Override
    public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> metadata) {
        return s().open(targetKey, attemptToken, size, rangeSize, metadata);
    }

    @Override
    public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
        return s().write(upload, offset, data, crc32c);
    }

    @Override
    public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
        s().complete(upload, ranges, crc32c);
    }

    @Override
    public void commit(Upload upload, Map<String, String> metadata) {
        s().commit(upload, metadata);
    }

    /** Forwards the guard: the interface's default would drop it and commit unconditionally. */
    @Override
    public void commit(Upload upload, Map<String, String> metadata, CommitGuard guard) {
        s().commit(upload, metadata, guard);
    }

    @Override
    public void abort(Upload upload) {
        s().abort(upload);
    }

    @Override
    public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
        return s().resume(upload, recorded);
    }

    @Override
    public Optional<TargetStat> stat(String key) {
        return s().stat(key);
    }

    @Override
    public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata) {
        s().putWhole(targetKey, data, crc32c, metadata);
    }

    /** Forwards the guard: the interface's default would drop it and put unconditionally. */
    @Override
    public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata,
            CommitGuard guard) {
        s().putWhole(targetKey, data, crc32c, metadata, guard);
    }

    @Override
    public Set<String> knownAbsent(SortedSet<String> keys) {
        return s().knownAbsent(keys);
    }

    @Override
    public void close() {
        S3Session s = session;
        if (s != null) {
            session = null;
            pool.release(s);
        }
    }

    @Override
    public String toString() {
        S3Session s = session;
        return s == null ? "SessionHandle[closed]" : s.toString();
    }
}
