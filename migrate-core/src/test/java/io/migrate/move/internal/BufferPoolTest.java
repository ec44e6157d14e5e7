package io.migrate.move.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

    @Test
    void leasesDirectBuffersUpToTheCapAndReusesThem() throws Exception {
        BufferPool pool = new BufferPool(3 * 1024, 1024);
        BufferPool.Lease a = pool.acquire(1024, () -> false);
        BufferPool.Lease b = pool.acquire(10, () -> false);
        assertThat(a.buffer().isDirect()).isTrue();
        assertThat(pool.inUseBytes()).isEqualTo(2048);
        a.close();
        a.close(); // idempotent
        BufferPool.Lease c = pool.acquire(1024, () -> false);
        assertThat(c.buffer()).isSameAs(a.buffer());
        b.close();
        c.close();
        assertThat(pool.inUseBytes()).isZero();
        assertThat(pool.highWaterBytes()).isEqualTo(2048);
    }

    @Test
    void aLeaseLargerThanOneSlotTakesSeveralAndTooLargeIsRefused() throws Exception {
        BufferPool pool = new BufferPool(4 * 1024, 1024);
        try (BufferPool.Lease big = pool.acquire(2500, () -> false)) {
            assertThat(big.buffer().capacity()).isGreaterThanOrEqualTo(2500);
            assertThat(pool.inUseBytes()).isEqualTo(3 * 1024);
        }
        assertThatThrownBy(() -> pool.acquire(5000, () -> false)).isInstanceOf(MigrateException.class)
                .extracting(e -> ((MigrateException) e).code()).isEqualTo(ErrorCode.INVALID_CONFIGURATION);
    }

    @Test
    void waitsWhileExhaustedAndEndsTheWaitOnCancellation() throws Exception {
        BufferPool pool = new BufferPool(1024, 1024);
        BufferPool.Lease held = pool.acquire(1024, () -> false);
        AtomicBoolean cancelled = new AtomicBoolean();
        CompletableFuture<BufferPool.Lease> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return pool.acquire(1024, cancelled::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(waiting).isNotDone();
        held.close();
        BufferPool.Lease got = waiting.get();
        assertThat(pool.highWaterBytes()).isEqualTo(1024);

        CompletableFuture<BufferPool.Lease> second = CompletableFuture.supplyAsync(() -> {
            try {
                return pool.acquire(1024, cancelled::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        cancelled.set(true);
        await().atMost(Duration.ofSeconds(5)).until(second::isDone);
        assertThat(second).isCompletedExceptionally();
        got.close();
    }
}
