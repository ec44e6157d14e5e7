package io.migrate.s3.internal;

import io.migrate.error.ErrorCode;
import io.migrate.s3.ConditionalWriteSupport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.transport.Disposition;
import io.migrate.transport.TransportException;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Commons Pool2 keyed pool of sessions, one key per endpoint: hands each mover thread its own
 * session, at most {@code sessionsPerEndpoint} per endpoint (the endpoint client's connection
 * count), validates a session on borrow (broken ones are destroyed, ones idle longer than the
 * validation interval are probed) and evicts idle ones.
 *
 * <p>Thread-safe. Pool2's shared evictor thread ({@code commons-pool-evictor}) runs eviction.
 */
public final class SessionPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionPool.class);

    private final GenericKeyedObjectPool<String, S3Session> pool;

    /**
     * @param endpoints endpoints by id
     * @param config the transport configuration
     * @param classifier the error classifier
     * @param knownMarkers parent markers created so far, shared
     * @param conditionalWrites which commits the store fences (the start probe)
     */
    public SessionPool(Map<String, Endpoint> endpoints, S3TransportConfig config, S3ErrorClassifier classifier,
            Set<String> knownMarkers, ConditionalWriteSupport conditionalWrites) {
        GenericKeyedObjectPoolConfig<S3Session> pc = new GenericKeyedObjectPoolConfig<>();
        pc.setMaxTotalPerKey(config.sessionsPerEndpoint());
        pc.setMaxIdlePerKey(config.sessionsPerEndpoint());
        pc.setMaxTotal(-1);
        pc.setBlockWhenExhausted(true);
        pc.setMaxWait(config.sessionBorrowTimeout());
        pc.setTestOnBorrow(true);
        pc.setMinEvictableIdleDuration(config.sessionIdleTimeout());
        pc.setTimeBetweenEvictionRuns(config.sessionIdleTimeout().dividedBy(2));
        pc.setNumTestsPerEvictionRun(config.sessionsPerEndpoint());
        pc.setJmxEnabled(false);
        long validateAfterNanos = config.sessionValidationInterval().toNanos();
        this.pool = new GenericKeyedObjectPool<>(new BaseKeyedPooledObjectFactory<String, S3Session>() {
            @Override
            public S3Session create(String key) {
                Endpoint e = endpoints.get(key);
                if (e == null) {
                    throw new IllegalArgumentException("unknown endpoint " + key);
                }
                return new S3Session(e, config, classifier, knownMarkers, conditionalWrites);
            }

            @Override
            public PooledObject<S3Session> wrap(S3Session s) {
                return new DefaultPooledObject<>(s);
            }

            @Override
            public boolean validateObject(String key, PooledObject<S3Session> p) {
                S3Session s = p.getObject();
                if (s.isBroken()) {
                    return false;
                }
                if (System.nanoTime() - s.lastUsedNanos() < validateAfterNanos) {
                    return true;
                }
                try {
                    s.probe();
                    return true;
                } catch (TransportException ex) {
                    LOG.debug("session on {} failed validation: {}", key, ex.getMessage());
                    return false;
                }
            }
        }, pc);
    }

    /**
     * @param endpointId the endpoint
     * @return a session owned by the caller until {@link #release}
     * @throws TransportException FAILOVER if the endpoint's sessions do not validate, RETRY if
     *     all are in use beyond the borrow timeout
     */
    public S3Session borrow(String endpointId) {
        try {
            return pool.borrowObject(endpointId);
        } catch (NoSuchElementException e) {
            boolean exhausted = e.getMessage() != null && e.getMessage().startsWith("Timeout");
            throw new TransportException(exhausted ? Disposition.RETRY : Disposition.FAILOVER,
                    ErrorCode.TRANSPORT_FAILED, "no session on " + endpointId + ": " + e.getMessage(), e);
        } catch (TransportException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(Disposition.PERMANENT, ErrorCode.CANCELLED,
                    "interrupted waiting for a session on " + endpointId, e);
        } catch (Exception e) {
            throw new TransportException(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED,
                    "no session on " + endpointId + ": " + e, e);
        }
    }

    /**
     * Gives a session back: a broken one is destroyed, a healthy one kept for the next thread.
     *
     * @param session a session from {@link #borrow}
     */
    public void release(S3Session session) {
        try {
            if (session.isBroken()) {
                pool.invalidateObject(session.endpointId(), session);
            } else {
                pool.returnObject(session.endpointId(), session);
            }
        } catch (Exception e) {
            LOG.debug("releasing {} failed: {}", session, e.toString());
        }
    }

    /** @return sessions borrowed and not released, all endpoints */
    public int active() {
        return pool.getNumActive();
    }

    /**
     * @param endpointId an endpoint
     * @return idle sessions of that endpoint
     */
    public int idle(String endpointId) {
        return pool.getNumIdle(endpointId);
    }

    @Override
    public void close() {
        pool.close();
    }
}
