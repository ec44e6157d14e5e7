package io.migrate.transport.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CopyLocksTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    void copiesIntoOneFileTakeTurnsOthersDoNotWaitAndEntriesGoAway() throws Exception {
        CopyLocks locks = new CopyLocks();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> run(locks, "a", () -> {
            holding.countDown();
            waitFor(release);
        }));
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean secondRan = new AtomicBoolean();
        Thread second = new Thread(() -> run(locks, "a", () -> secondRan.set(true)), "test-second");
        second.start();
        await().atMost(DEADLINE).until(() -> second.getState() == Thread.State.WAITING);

        locks.withLock("b", () -> { }); // another file: not held up
        assertThat(locks.size()).isEqualTo(1); // "b" is gone; "a" has a holder and a waiter
        assertThat(secondRan).isFalse();

        release.countDown();
        first.get(10, TimeUnit.SECONDS);
        second.join(DEADLINE.toMillis());
        assertThat(secondRan).isTrue();
        assertThat(locks.size()).isZero();
    }

    @Test
    void aWaiterThatIsInterruptedGivesUpWithoutCopying() throws Exception {
        CopyLocks locks = new CopyLocks();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> run(locks, "a", () -> {
            holding.countDown();
            waitFor(release);
        }), "test-holder");
        holder.start();
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean copied = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            try {
                locks.withLock("a", () -> copied.set(true));
            } catch (Exception e) {
                thrown.set(e);
            }
        }, "test-waiter");
        waiter.start();
        await().atMost(DEADLINE).until(() -> waiter.getState() == Thread.State.WAITING);

        waiter.interrupt();
        waiter.join(DEADLINE.toMillis());

        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(copied).isFalse();
        release.countDown();
        holder.join(DEADLINE.toMillis());
        assertThat(locks.size()).isZero();
    }

    private static void run(CopyLocks locks, String key, Runnable r) {
        try {
            locks.withLock(key, r::run);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
