package io.migrate.testing;

import io.migrate.error.ErrorCode;
import io.migrate.transport.CommitGuard;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import io.migrate.transport.posix.PosixTransportConfig;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Transport} decorator that injects classified errors, delays or arbitrary actions at
 * chosen calls and endpoints, and counts calls. Works with any transport (POSIX, S3).
 *
 * <pre>{@code
 * FaultInjectingTransport t = new FaultInjectingTransport(PosixTransport.create(PosixTransportConfig.of(dir)));
 * t.on(Op.WRITE).nth(3).fail(Disposition.RETRY, ErrorCode.TRANSPORT_FAILED);  // 3rd write fails once
 * t.on(Op.WRITE).endpoint("b").always().fail(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED);
 * t.endpointDown("a", true);                                                  // every call to a fails over
 * }</pre>
 *
 * <p>Thread-safe: rules and counters are concurrent; a rule counts the calls it matches and
 * fires on the ones in its window, so "the 3rd write" is exact even with concurrent writers
 * (which range it is, is not).
 */
public final class FaultInjectingTransport implements Transport {

    /** The calls that can be intercepted. */
    public enum Op {
        /** {@link Transport#openSession}. */
        OPEN_SESSION,
        /** {@link Transport#checkHealth}. */
        HEALTH,
        /** {@link TransportSession#open}. */
        OPEN,
        /**
         * {@link TransportSession#write} and {@link TransportSession#copyRange}: both store one
         * range, so a fault meant for "a range write" hits the path the mover takes, whichever
         * the delegate's capabilities make it.
         */
        WRITE,
        /** {@link TransportSession#complete}. */
        COMPLETE,
        /** {@link TransportSession#commit}. */
        COMMIT,
        /** {@link TransportSession#abort}. */
        ABORT,
        /** {@link TransportSession#stat}. */
        STAT,
        /** {@link TransportSession#putWhole}. */
        PUT_WHOLE,
        /** {@link TransportSession#knownAbsent}. */
        KNOWN_ABSENT
    }

    private final Transport delegate;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Set<String> down = ConcurrentHashMap.newKeySet();
    private final AtomicInteger injected = new AtomicInteger();
    private final Map<String, List<long[]>> writes = new ConcurrentHashMap<>();
    private volatile TransportCapabilities capabilities;

    /** @param delegate the transport that does the real work */
    public FaultInjectingTransport(Transport delegate) {
        this.delegate = delegate;
    }

    /**
     * Starts a rule for an operation; finish it with {@link Rule#fail}, {@link Rule#delay} or
     * {@link Rule#run}.
     *
     * @param op the operation
     * @return the rule, matching every call of {@code op} until narrowed
     */
    public Rule on(Op op) {
        return new Rule(op);
    }

    /** Removes every rule (counters stay). */
    public void clearRules() {
        rules.clear();
    }

    /**
     * While down, every call to the endpoint (health checks included) fails with FAILOVER, the
     * way an unmounted share or dead server does.
     *
     * @param endpointId the endpoint
     * @param isDown down or back up
     */
    public void endpointDown(String endpointId, boolean isDown) {
        if (isDown) {
            down.add(endpointId);
        } else {
            down.remove(endpointId);
        }
    }

    /**
     * @param op an operation
     * @return calls of it so far, on any endpoint (including failed ones)
     */
    public int calls(Op op) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(op.name() + "@"))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    /**
     * @param op an operation
     * @param endpointId an endpoint
     * @return calls of it on that endpoint so far
     */
    public int calls(Op op, String endpointId) {
        AtomicInteger c = counts.get(op.name() + "@" + endpointId);
        return c == null ? 0 : c.get();
    }

    /**
     * Makes the transport report other capabilities (to exercise the mover's APPEND_ONLY and
     * ALIGNED_PARTS planning against a transport that accepts anything).
     *
     * @param caps the capabilities to report
     * @return this
     */
    public FaultInjectingTransport withCapabilities(TransportCapabilities caps) {
        this.capabilities = caps;
        return this;
    }

    /**
     * @param targetKey a target key
     * @return {@code {offset, length}} of every write (or copyRange) call for it that reached the
     *     delegate, in call order
     */
    public List<long[]> writes(String targetKey) {
        return List.copyOf(writes.getOrDefault(targetKey, List.of()));
    }

    /** @return how many faults (errors, delays, actions) were injected so far */
    public int injected() {
        return injected.get();
    }

    /** One injection rule. Configure, then arm it with an action. */
    public final class Rule {
        private final Op op;
        private String endpoint;
        private String key;
        private int from = 1;
        private int count = Integer.MAX_VALUE;
        private final AtomicInteger matched = new AtomicInteger();
        private Disposition disposition;
        private ErrorCode code;
        private Duration delay;
        private Runnable action;

        private Rule(Op op) {
            this.op = op;
        }

        /**
         * @param endpointId only calls on this endpoint
         * @return this
         */
        public Rule endpoint(String endpointId) {
            this.endpoint = endpointId;
            return this;
        }

        /**
         * @param targetKey only calls about this target key (all calls but health checks and
         *     session opening carry one)
         * @return this
         */
        public Rule key(String targetKey) {
            this.key = targetKey;
            return this;
        }

        /**
         * @param n fire on the n-th matching call only (1-based)
         * @return this
         */
        public Rule nth(int n) {
            return calls(n, 1);
        }

        /**
         * @param k fire on the first k matching calls
         * @return this
         */
        public Rule times(int k) {
            return calls(1, k);
        }

        /**
         * @param first first matching call to fire on (1-based)
         * @param n how many consecutive matching calls
         * @return this
         */
        public Rule calls(int first, int n) {
            this.from = first;
            this.count = n;
            return this;
        }

        /** @return this, firing on every matching call */
        public Rule always() {
            return calls(1, Integer.MAX_VALUE);
        }

        /**
         * Arms the rule to throw.
         *
         * @param disposition the error's class
         * @param errorCode its code
         * @return the transport, for chaining
         */
        public FaultInjectingTransport fail(Disposition disposition, ErrorCode errorCode) {
            this.disposition = disposition;
            this.code = errorCode;
            rules.add(this);
            return FaultInjectingTransport.this;
        }

        /**
         * Arms the rule to delay the call (then it proceeds).
         *
         * @param d the delay
         * @return the transport
         */
        public FaultInjectingTransport delay(Duration d) {
            this.delay = d;
            rules.add(this);
            return FaultInjectingTransport.this;
        }

        /**
         * Arms the rule to run an action before the call (then it proceeds), e.g. to modify
         * the source file in the middle of a copy.
         *
         * @param r the action
         * @return the transport
         */
        public FaultInjectingTransport run(Runnable r) {
            this.action = r;
            rules.add(this);
            return FaultInjectingTransport.this;
        }

        private void apply(Op called, String ep, String targetKey) {
            if (called != op || (endpoint != null && !endpoint.equals(ep))
                    || (key != null && !key.equals(targetKey))) {
                return;
            }
            int n = matched.incrementAndGet();
            if (n < from || n - from >= count) {
                return;
            }
            injected.incrementAndGet();
            if (action != null) {
                action.run();
            }
            if (delay != null) {
                try {
                    TimeUnit.NANOSECONDS.sleep(delay.toNanos());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (disposition != null) {
                throw new TransportException(disposition, code,
                        "injected " + disposition + " " + code + " on " + op + " #" + n + " at " + ep, null);
            }
        }
    }

    private void intercept(Op op, String ep) {
        intercept(op, ep, null);
    }

    private void intercept(Op op, String ep, String targetKey) {
        counts.computeIfAbsent(op.name() + "@" + ep, k -> new AtomicInteger()).incrementAndGet();
        if (down.contains(ep)) {
            injected.incrementAndGet();
            throw new TransportException(Disposition.FAILOVER, ErrorCode.ENDPOINTS_UNAVAILABLE,
                    "injected: endpoint " + ep + " is down", null);
        }
        for (Rule r : rules) {
            r.apply(op, ep, targetKey);
        }
    }

    @Override
    public TransportCapabilities capabilities() {
        TransportCapabilities c = capabilities;
        return c != null ? c : delegate.capabilities();
    }

    @Override
    public List<String> endpoints() {
        return delegate.endpoints();
    }

    @Override
    public TransportSession openSession(String endpointId) {
        intercept(Op.OPEN_SESSION, endpointId);
        return new Session(delegate.openSession(endpointId));
    }

    @Override
    public void checkHealth(String endpointId) {
        intercept(Op.HEALTH, endpointId);
        delegate.checkHealth(endpointId);
    }

    @Override
    public void close() {
        delegate.close();
    }

    private final class Session implements TransportSession {
        private final TransportSession s;

        Session(TransportSession s) {
            this.s = s;
        }

        @Override
        public String endpointId() {
            return s.endpointId();
        }

        @Override
        public Upload open(String targetKey, String attemptToken, long size, long rangeSize,
                Map<String, String> metadata) {
            intercept(Op.OPEN, s.endpointId(), targetKey);
            return s.open(targetKey, attemptToken, size, rangeSize, metadata);
        }

        @Override
        public RangeReceipt write(Upload upload, long offset, ByteBuffer data, int crc32c) {
            intercept(Op.WRITE, s.endpointId(), upload.targetKey());
            long length = data.remaining();
            RangeReceipt r = s.write(upload, offset, data, crc32c);
            writes.computeIfAbsent(upload.targetKey(), k -> new CopyOnWriteArrayList<>()).add(new long[] {offset, length});
            return r;
        }

        @Override
        public RangeReceipt copyRange(Upload upload, long offset, FileChannel source, long length) {
            intercept(Op.WRITE, s.endpointId(), upload.targetKey());
            RangeReceipt r = s.copyRange(upload, offset, source, length);
            writes.computeIfAbsent(upload.targetKey(), k -> new CopyOnWriteArrayList<>()).add(new long[] {offset, length});
            return r;
        }

        @Override
        public void complete(Upload upload, List<RangeReceipt> ranges, int crc32c) {
            intercept(Op.COMPLETE, s.endpointId(), upload.targetKey());
            s.complete(upload, ranges, crc32c);
        }

        @Override
        public void commit(Upload upload, Map<String, String> metadata) {
            intercept(Op.COMMIT, s.endpointId(), upload.targetKey());
            s.commit(upload, metadata);
        }

        @Override
        public void commit(Upload upload, Map<String, String> metadata, CommitGuard guard) {
            intercept(Op.COMMIT, s.endpointId(), upload.targetKey());
            s.commit(upload, metadata, guard);
        }

        @Override
        public Optional<List<RangeReceipt>> resume(Upload upload, List<RangeReceipt> recorded) {
            return s.resume(upload, recorded);
        }

        @Override
        public void abort(Upload upload) {
            intercept(Op.ABORT, s.endpointId(), upload.targetKey());
            s.abort(upload);
        }

        @Override
        public Optional<TargetStat> stat(String key) {
            intercept(Op.STAT, s.endpointId(), key);
            return s.stat(key);
        }

        @Override
        public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata) {
            intercept(Op.PUT_WHOLE, s.endpointId(), targetKey);
            long length = data.remaining();
            s.putWhole(targetKey, data, crc32c, metadata);
            writes.computeIfAbsent(targetKey, k -> new CopyOnWriteArrayList<>()).add(new long[] {0, length});
        }

        @Override
        public void putWhole(String targetKey, ByteBuffer data, int crc32c, Map<String, String> metadata,
                CommitGuard guard) {
            intercept(Op.PUT_WHOLE, s.endpointId(), targetKey);
            long length = data.remaining();
            s.putWhole(targetKey, data, crc32c, metadata, guard);
            writes.computeIfAbsent(targetKey, k -> new CopyOnWriteArrayList<>()).add(new long[] {0, length});
        }

        @Override
        public Set<String> knownAbsent(SortedSet<String> keys) {
            intercept(Op.KNOWN_ABSENT, s.endpointId(), keys.isEmpty() ? "" : keys.first());
            return s.knownAbsent(keys);
        }

        @Override
        public void close() {
            s.close();
        }
    }
}
