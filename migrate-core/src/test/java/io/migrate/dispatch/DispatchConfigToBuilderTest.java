package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DispatchConfigToBuilderTest {

    private static DispatchConfig custom() {
        return DispatchConfig.builder().dispatchTick(Duration.ofSeconds(2)).reclaimTick(Duration.ofSeconds(40))
                .affinityGroupSize(3).backlogThreshold(30).inboxCap(25).reclaimPerTick(4).assignPerTarget(2)
                .rebalanceCooldown(Duration.ofMinutes(5)).taskTimeout(Duration.ofMinutes(20))
                .nodeLease(Duration.ofSeconds(12)).reclaimGrace(Duration.ofSeconds(50)).maxReassignments(8)
                .maxAttempts(4).incomingTimeout(Duration.ofMinutes(7)).fencedBackoff(Duration.ofSeconds(9)).build();
    }

    private static void assertEqualInEveryGetter(DispatchConfig copy, DispatchConfig c) {
        assertThat(copy.dispatchTick()).isEqualTo(c.dispatchTick());
        assertThat(copy.reclaimTick()).isEqualTo(c.reclaimTick());
        assertThat(copy.affinityGroupSize()).isEqualTo(c.affinityGroupSize());
        assertThat(copy.backlogThreshold()).isEqualTo(c.backlogThreshold());
        assertThat(copy.inboxCap()).isEqualTo(c.inboxCap());
        assertThat(copy.reclaimPerTick()).isEqualTo(c.reclaimPerTick());
        assertThat(copy.assignPerTarget()).isEqualTo(c.assignPerTarget());
        assertThat(copy.rebalanceCooldown()).isEqualTo(c.rebalanceCooldown());
        assertThat(copy.taskTimeout()).isEqualTo(c.taskTimeout());
        assertThat(copy.nodeLease()).isEqualTo(c.nodeLease());
        assertThat(copy.reclaimGrace()).isEqualTo(c.reclaimGrace());
        assertThat(copy.maxReassignments()).isEqualTo(c.maxReassignments());
        assertThat(copy.maxAttempts()).isEqualTo(c.maxAttempts());
        assertThat(copy.incomingTimeout()).isEqualTo(c.incomingTimeout());
        assertThat(copy.fencedBackoff()).isEqualTo(c.fencedBackoff());
    }

    @Test
    void toBuilderBuildsAConfigEqualInEveryGetter() {
        DispatchConfig c = custom();
        assertEqualInEveryGetter(c.toBuilder().build(), c);
        assertEqualInEveryGetter(DispatchConfig.defaults().toBuilder().build(), DispatchConfig.defaults());
    }

    @Test
    void changingTheReopenedBuilderLeavesTheConfigAlone() {
        DispatchConfig c = custom();
        DispatchConfig changed = c.toBuilder().inboxCap(1).nodeLease(Duration.ofSeconds(1)).build();
        assertThat(changed.inboxCap()).isEqualTo(1);
        assertThat(changed.affinityGroupSize()).isEqualTo(3);
        assertThat(c.inboxCap()).isEqualTo(25);
        assertThat(c.nodeLease()).isEqualTo(Duration.ofSeconds(12));
    }

    @Test
    void anUnsetGraceStaysDerivedAfterReopening() {
        DispatchConfig c = DispatchConfig.defaults();
        DispatchConfig longerLease = c.toBuilder().nodeLease(Duration.ofSeconds(60)).build();
        // default grace = node lease + longest tick (80 s); the fenced backoff defaults to the grace
        assertThat(longerLease.reclaimGrace()).isEqualTo(Duration.ofSeconds(140));
        assertThat(longerLease.fencedBackoff()).isEqualTo(Duration.ofSeconds(140));
        assertThat(c.reclaimGrace()).isEqualTo(Duration.ofSeconds(110));
    }
}
