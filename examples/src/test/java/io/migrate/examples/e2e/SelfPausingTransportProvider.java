package io.migrate.examples.e2e;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.node.spi.TransportProvider;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SortedSet;

/**
 * {@code transport.type=e2e-self-pausing}: the real transport named by the node JVM's system
 * property {@code migrate.e2e.pause.delegate} ({@code s3}, {@code posix}), configured by the same
 * {@code transport.*} keys, with {@link SelfPause} points: before a range write (mid-upload),
 * at an attempt's {@code stat}, before {@code complete} (ahead of the mover's last ownership check), and right
 * before a commit request (after that check) but only where a pause there is fenced: the store
 * enforces the guard ({@code fencedCommits()}) or the transport checks it inside the commit
 * (POSIX). Elsewhere that window is documented, not fenced (docs/failure-modes.md).
 */
public final class SelfPausingTransportProvider implements TransportProvider {
    @Override
    public String type() {
        return "e2e-self-pausing";
    }

    @Override
    public Transport create(Settings settings) {
        String type = System.getProperty("migrate.e2e.pause.delegate", "");
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class, getClass().getClassLoader())) {
            if (p.type().equals(type)) {
                Transport t = p.create(settings);
                return new Pausing(t, t.capabilities().fencedCommits() || type.equals("posix"));
            }
        }
        throw new ConfigurationException("transport.type", "no delegate transport '" + type + "'");
    }

    /** The delegate with pause points; every call forwarded. */
    private record Pausing(Transport t, boolean pauseAtCommit) implements Transport {
        @Override
        public TransportCapabilities capabilities() {
            return t.capabilities();
        }

        @Override
        public List<String> endpoints() {
            return t.endpoints();
        }

        @Override
        public TransportSession openSession(String endpointId) {
            return new Session(t.openSession(endpointId), pauseAtCommit);
        }

        @Override
        public void checkHealth(String endpointId) {
            t.checkHealth(endpointId);
        }

        @Override
        public void close() {
            t.close();
        }
    }

    private record Session(TransportSession s, boolean pauseAtCommit) implements TransportSession {
        @Override
        public String endpointId() {
            return s.endpointId();
        }

        @Override
        public Upload open(String targetKey, String attemptToken, long size, long rangeSize, Map<String, String> m) {
            return s.open(targetKey, attemptToken, size, rangeSize, m);
        }

        @Override
        public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
            SelfPause.at("write", upload.targetKey());
            return s.write(upload, offset, data, crc32c);
        }

        @Override
        public RangeReceipt copyRange(Upload upload, long offset, FileChannel source, long length) {
            SelfPause.at("write", upload.targetKey());
            return s.copyRange(upload, offset, source, length);
        }

        @Override
        public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
            SelfPause.at("before-commit", upload.targetKey());
            s.complete(upload, ranges, crc32c);
        }

        @Override
        public void commit(Upload upload, Map<String, String> metadata) {
            s.commit(upload, metadata);
        }

        @Override
        public void commit(Upload upload, Map<String, String> metadata, CommitGuard guard) {
            if (pauseAtCommit) {
                SelfPause.at("commit", upload.targetKey());
            }
            s.commit(upload, metadata, guard);
        }

        @Override
        public void abort(Upload upload) {
            s.abort(upload);
        }

        @Override
        public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
            return s.resume(upload, recorded);
        }

        @Override
        public Optional<TargetStat> stat(String key) {
            SelfPause.at("attempt-start", key); // a direct put's attempt: stat, read, check, put
            return s.stat(key);
        }

        @Override
        public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata) {
            s.putWhole(targetKey, data, crc32c, metadata);
        }

        @Override
        public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata,
                CommitGuard guard) {
            if (pauseAtCommit) {
                SelfPause.at("commit", targetKey);
            }
            s.putWhole(targetKey, data, crc32c, metadata, guard);
        }

        @Override
        public Set<String> knownAbsent(SortedSet<String> keys) {
            return s.knownAbsent(keys);
        }

        @Override
        public void close() {
            s.close();
        }
    }
}
