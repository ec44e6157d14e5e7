package io.migrate.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeMetricsTest {
    @Test
    void namedSettersReadBackAndUnsetCountersAreZero() {
        NodeMetrics m = NodeMetrics.builder().leader(true).epoch(7).bytesSent(1 << 20).publishFailures(2).build();

        assertThat(m.leader()).isTrue();
        assertThat(m.epoch()).isEqualTo(7);
        assertThat(m.bytesSent()).isEqualTo(1 << 20);
        assertThat(m.publishFailures()).isEqualTo(2);
        assertThat(m.dispatched()).isZero();
        assertThat(m.toString()).contains("epoch=7", "bytesSent=1048576");
    }

    @Test
    void toBuilderCopiesEveryCounterSoSnapshotsCompareByValue() {
        NodeMetrics m = NodeMetrics.builder().epoch(3).lostRaces(4).filesDone(5).bufferCapacityBytes(6).build();

        assertThat(m.toBuilder().build()).isEqualTo(m).hasSameHashCodeAs(m);
        assertThat(m.toBuilder().filesDone(6).build()).isNotEqualTo(m);
    }
}
