package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DispatchConfigTest {
    @Test
    void defaultsAreTheDesignsAndTheGraceIsLeasePlusLongestTick() {
        DispatchConfig c = DispatchConfig.defaults();
        assertThat(c.dispatchTick()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.reclaimTick()).isEqualTo(Duration.ofSeconds(80));
        assertThat(c.affinityGroupSize()).isEqualTo(5);
        assertThat(c.backlogThreshold()).isEqualTo(20);
        assertThat(c.reclaimPerTick()).isEqualTo(10);
        assertThat(c.assignPerTarget()).isEqualTo(5);
        assertThat(c.taskTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.maxAttempts()).isEqualTo(5);
        assertThat(c.reclaimGrace()).isEqualTo(Duration.ofSeconds(110));
        assertThat(c.fencedBackoff()).isEqualTo(c.reclaimGrace());
    }

    @Test
    void rejectsValuesOutOfRangeNamingTheSetting() {
        assertThatThrownBy(() -> DispatchConfig.builder().affinityGroupSize(0).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("dispatch.affinityGroupSize").hasMessageContaining("[1, 1000]");
        assertThatThrownBy(() -> DispatchConfig.builder().dispatchTick(Duration.ZERO).build())
                .hasMessageContaining("dispatch.tick");
        assertThatThrownBy(() -> DispatchConfig.builder().reclaimGrace(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("reclaim.grace");
    }
}
