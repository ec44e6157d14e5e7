package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MoverConfigToBuilderTest {

    private static MoverConfig custom() {
        return MoverConfig.builder().threads(6).rangeSize(1L << 20).maxInFlightBytes(64L << 20)
                .splitThreshold(5L << 20).maxRetries(3).backoff(Duration.ofMillis(50), Duration.ofSeconds(2))
                .healthCheckInterval(Duration.ofSeconds(2)).endpointWait(Duration.ofSeconds(7))
                .cancelTimeout(Duration.ofSeconds(8)).commitLeaseLimit(Duration.ZERO)
                .allowSourceRoot(Path.of("/data/a")).allowSourceRoot(Path.of("/data/b")).build();
    }

    private static void assertEqualInEveryGetter(MoverConfig copy, MoverConfig c) {
        assertThat(copy.threads()).isEqualTo(c.threads());
        assertThat(copy.rangeSize()).isEqualTo(c.rangeSize());
        assertThat(copy.maxInFlightBytes()).isEqualTo(c.maxInFlightBytes());
        assertThat(copy.splitThreshold()).isEqualTo(c.splitThreshold());
        assertThat(copy.maxRetries()).isEqualTo(c.maxRetries());
        assertThat(copy.initialBackoff()).isEqualTo(c.initialBackoff());
        assertThat(copy.maxBackoff()).isEqualTo(c.maxBackoff());
        assertThat(copy.healthCheckInterval()).isEqualTo(c.healthCheckInterval());
        assertThat(copy.endpointWait()).isEqualTo(c.endpointWait());
        assertThat(copy.cancelTimeout()).isEqualTo(c.cancelTimeout());
        assertThat(copy.commitLeaseLimit()).isEqualTo(c.commitLeaseLimit());
        assertThat(copy.allowedSourceRoots()).isEqualTo(c.allowedSourceRoots());
    }

    @Test
    void toBuilderBuildsAConfigEqualInEveryGetter() {
        MoverConfig c = custom();
        assertEqualInEveryGetter(c.toBuilder().build(), c);
    }

    @Test
    void changingTheReopenedBuilderLeavesTheConfigAlone() {
        MoverConfig c = custom();
        MoverConfig changed = c.toBuilder().threads(1).allowSourceRoot(Path.of("/data/c")).build();
        assertThat(changed.threads()).isEqualTo(1);
        assertThat(changed.allowedSourceRoots()).containsExactly(Path.of("/data/a"), Path.of("/data/b"),
                Path.of("/data/c"));
        assertThat(c.threads()).isEqualTo(6);
        assertThat(c.allowedSourceRoots()).containsExactly(Path.of("/data/a"), Path.of("/data/b"));
    }

    @Test
    void anUnsetSplitThresholdStaysDerivedAfterReopening() {
        MoverConfig c = MoverConfig.builder().allowSourceRoot(Path.of("/data")).build();
        MoverConfig smallerRanges = c.toBuilder().rangeSize(1L << 20).build();
        assertThat(c.splitThreshold()).isEqualTo(2 * MoverConfig.DEFAULT_RANGE_SIZE);
        assertThat(smallerRanges.splitThreshold()).isEqualTo(2L << 20);
    }
}
