package io.migrate.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WorkerConfigToBuilderTest {

    private static WorkerConfig custom() {
        return WorkerConfig.builder().concurrency(7).pollInterval(Duration.ofMillis(300))
                .heartbeatInterval(Duration.ofSeconds(3)).leaseRenewInterval(Duration.ofSeconds(4)).maxAttempts(9)
                .retryBackoff(Duration.ofSeconds(2)).maxRetryBackoff(Duration.ofMinutes(3))
                .shutdownTimeout(Duration.ofSeconds(11)).build();
    }

    @Test
    void toBuilderBuildsAConfigEqualInEveryGetter() {
        WorkerConfig c = custom();
        WorkerConfig copy = c.toBuilder().build();
        assertThat(copy.concurrency()).isEqualTo(c.concurrency());
        assertThat(copy.pollInterval()).isEqualTo(c.pollInterval());
        assertThat(copy.heartbeatInterval()).isEqualTo(c.heartbeatInterval());
        assertThat(copy.leaseRenewInterval()).isEqualTo(c.leaseRenewInterval());
        assertThat(copy.maxAttempts()).isEqualTo(c.maxAttempts());
        assertThat(copy.retryBackoff()).isEqualTo(c.retryBackoff());
        assertThat(copy.maxRetryBackoff()).isEqualTo(c.maxRetryBackoff());
        assertThat(copy.shutdownTimeout()).isEqualTo(c.shutdownTimeout());
        assertThat(copy).hasToString(c.toString());
    }

    @Test
    void changingTheReopenedBuilderLeavesTheConfigAlone() {
        WorkerConfig c = custom();
        WorkerConfig changed = c.toBuilder().concurrency(1).shutdownTimeout(Duration.ofSeconds(1)).build();
        assertThat(changed.concurrency()).isEqualTo(1);
        assertThat(changed.pollInterval()).isEqualTo(Duration.ofMillis(300));
        assertThat(c.concurrency()).isEqualTo(7);
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(11));
    }
}
