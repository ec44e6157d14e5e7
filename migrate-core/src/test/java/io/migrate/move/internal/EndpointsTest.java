package io.migrate.move.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.transport.Disposition;
import io.migrate.transport.EndpointHealth.State;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportCapabilities;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How endpoint answers turn into rotation, waits and fail-fast errors (issue #18). */
class EndpointsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A transport whose health answers the test sets per endpoint (null = healthy). */
    private static final class Stub implements Transport {
        final Map<String, TransportException> answers = new ConcurrentHashMap<>();

        @Override
        public TransportCapabilities capabilities() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> endpoints() {
            return List.of("a", "b");
        }

        @Override
        public TransportSession openSession(String endpointId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkHealth(String endpointId) {
            TransportException e = answers.get(endpointId);
            if (e != null) {
                throw e;
            }
        }

        @Override
        public void close() {
        }
    }

    private final Stub transport = new Stub();
    private final AtomicLong ticker = new AtomicLong(1_000);

    private Endpoints endpoints() {
        return new Endpoints(transport, Duration.ofHours(1), "test-heartbeat", Clock.systemUTC(), ticker::get);
    }

    private static TransportException unreachable() {
        return new TransportException(Disposition.FAILOVER, ErrorCode.TRANSPORT_FAILED, "connection refused", null);
    }

    @Test
    void anOutageCostsOneEndpointWaitNotOneWaitPerCall() throws Exception {
        transport.answers.put("a", unreachable());
        transport.answers.put("b", unreachable());
        try (Endpoints e = endpoints()) {
            e.start();
            assertThat(e.health()).extracting(h -> h.state()).containsExactly(State.DOWN, State.DOWN);

            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> choose(e));
            // the first caller waits until one endpointWait of the outage has passed on the ticker
            while (!first.isDone()) {
                ticker.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
                Thread.onSpinWait();
            }
            assertThatThrownBy(first::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(MigrateException.class)
                    .satisfies(x -> assertThat(((MigrateException) x).code()).isEqualTo(ErrorCode.ENDPOINTS_UNAVAILABLE))
                    .hasMessageContaining("connection refused");
            // later calls in the same outage (the file's abort, the next files) do not wait again:
            // the ticker no longer moves, so a wait would never end
            for (int i = 0; i < 3; i++) {
                int index = i;
                assertThatThrownBy(() -> e.choose(index, WAIT, () -> false)).isInstanceOf(MigrateException.class)
                        .satisfies(x -> assertThat(((MigrateException) x).code())
                                .isEqualTo(ErrorCode.ENDPOINTS_UNAVAILABLE));
            }

            transport.answers.remove("b");
            e.checkAll();
            assertThat(e.choose(0, WAIT, () -> false)).isEqualTo("b");
            assertThat(e.health().get(1).state()).isEqualTo(State.UP);
            assertThat(e.health().get(0).lastError()).isEqualTo("connection refused");
        }
    }

    private static String choose(Endpoints e) {
        try {
            return e.choose(0, WAIT, () -> false);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void aMissingTargetStopsTheStartAndFailsCallsAtOnceWithItsPermanentCode() throws Exception {
        TransportException missing = new TransportException(Disposition.PERMANENT, ErrorCode.TARGET_NOT_FOUND,
                "bucket 'archive' does not exist at endpoint a (HTTP 404 to the health check)", null);
        transport.answers.put("a", missing);
        transport.answers.put("b", missing);
        try (Endpoints e = endpoints()) {
            assertThatThrownBy(e::start).isInstanceOf(TransportException.class)
                    .hasMessageContaining("'archive'")
                    .satisfies(x -> {
                        assertThat(((TransportException) x).code()).isEqualTo(ErrorCode.TARGET_NOT_FOUND);
                        assertThat(((TransportException) x).disposition()).isEqualTo(Disposition.PERMANENT);
                    });
            assertThat(e.health()).extracting(h -> h.state()).containsExactly(State.MISCONFIGURED, State.MISCONFIGURED);
            // never a wait, never the retryable ENDPOINTS_UNAVAILABLE: the ticker does not move
            assertThatThrownBy(() -> e.choose(0, WAIT, () -> false)).isInstanceOf(TransportException.class)
                    .satisfies(x -> assertThat(((TransportException) x).code()).isEqualTo(ErrorCode.TARGET_NOT_FOUND));
        }
    }

    @Test
    void aFailoverAnswerTakesOnlyThatEndpointOutAndRecordsWhy() {
        try (Endpoints e = endpoints()) {
            e.start();
            assertThat(e.health()).extracting(h -> h.state()).containsExactly(State.UP, State.UP);
            e.markDown("a", unreachable());
            assertThat(e.healthy("a")).isFalse();
            assertThat(e.health().get(0).lastErrorCode()).isEqualTo(ErrorCode.TRANSPORT_FAILED);
            assertThat(e.health().get(0).since()).isNotNull();
            e.checkAll();
            assertThat(e.healthy("a")).isTrue();
        }
    }
}
