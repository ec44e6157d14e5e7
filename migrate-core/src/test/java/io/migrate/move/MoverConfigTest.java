package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MoverConfigTest {

    @Test
    void defaultsComeFromTheDesign() {
        MoverConfig c = MoverConfig.builder().allowSourceRoot(Path.of("/data")).build();
        assertThat(c.rangeSize()).isEqualTo(8L << 20);
        assertThat(c.maxInFlightBytes()).isEqualTo(256L << 20);
        assertThat(c.maxRetries()).isEqualTo(5);
        assertThat(c.splitThreshold()).isEqualTo(16L << 20);
        assertThat(c.threads()).isGreaterThanOrEqualTo(4);
        assertThat(c.allowedSourceRoots()).containsExactly(Path.of("/data"));
    }

    @Test
    void refusesValuesOutOfRangeNamingTheSetting() {
        assertThatThrownBy(() -> MoverConfig.builder().build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("mover.allowedSourceRoots");
        assertThatThrownBy(() -> MoverConfig.builder().allowSourceRoot(Path.of("/d")).rangeSize(100).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("mover.rangeSize");
        assertThatThrownBy(() -> MoverConfig.builder().allowSourceRoot(Path.of("/d")).rangeSize(8 << 20)
                .maxInFlightBytes(1 << 20).build()).hasMessageContaining("mover.maxInFlightBytes");
        assertThatThrownBy(() -> MoverConfig.builder().allowSourceRoot(Path.of("/d")).threads(0).build())
                .hasMessageContaining("mover.threads");
        assertThatThrownBy(() -> MoverConfig.builder().allowSourceRoot(Path.of("/d"))
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build()).hasMessageContaining("mover.maxBackoff");
        assertThatThrownBy(() -> MoverConfig.builder().allowSourceRoot(Path.of("relative")))
                .hasMessageContaining("must be absolute");
    }
}
