package io.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.ha.fixed.FixedLeaderElection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one lifecycle idiom (issue 17). */
class LifecycleTest {
    @Test
    void aSecondStartIsANoOpStartAfterCloseFailsAndCloseIsIdempotent() {
        Lifecycle l = new Lifecycle("thing");
        assertThat(l.start()).isTrue();
        assertThat(l.start()).isFalse();
        assertThat(l.close()).isTrue();
        assertThat(l.close()).isFalse();
        assertThatThrownBy(l::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("thing is closed");
        assertThat(l.state()).isEqualTo(Lifecycle.State.CLOSED);
    }

    @Test
    void closingBeforeStartingStillForbidsAStart() {
        Lifecycle l = new Lifecycle("thing");
        assertThat(l.close()).isTrue();
        assertThat(l.wasStarted()).isTrue(); // it left NEW: nothing may start it any more
        assertThatThrownBy(l::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void ofManyConcurrentStartsExactlyOneStarts() throws Exception {
        Lifecycle l = new Lifecycle("thing");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        try {
            java.util.List<Future<Boolean>> starts = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                starts.add(pool.submit(() -> {
                    go.await();
                    return l.start();
                }));
            }
            go.countDown();
            int started = 0;
            for (Future<Boolean> f : starts) {
                started += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(started).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void componentsUsingItFailTheSameWayOnAStartAfterClose() {
        FixedLeaderElection e = new FixedLeaderElection("n1", "n1");
        e.start();
        e.start();
        e.close();
        e.close();
        assertThatThrownBy(e::start).isInstanceOf(IllegalStateException.class);
    }
}
