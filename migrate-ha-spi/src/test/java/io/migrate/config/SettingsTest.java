package io.migrate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private final Settings s = Settings.of(Map.of(
            "mover.rangeSize", "8MiB", "mover.big", "1g", "mover.plain", "4096", "mover.tick", "500ms",
            "mover.iso", "PT2M", "mover.bad", "lots", "mover.flag", "TRUE", "mover.pairs", "a:1, b:2",
            "other.key", "x"));

    @Test
    void parsesSizesDurationsBooleansAndPairs() {
        Settings m = s.under("mover.");
        assertThat(m.bytes("rangeSize", 0, 0, Long.MAX_VALUE)).isEqualTo(8L << 20);
        assertThat(m.bytes("big", 0, 0, Long.MAX_VALUE)).isEqualTo(1L << 30);
        assertThat(m.bytes("plain", 0, 0, Long.MAX_VALUE)).isEqualTo(4096);
        assertThat(m.duration("tick", null)).isEqualTo(Duration.ofMillis(500));
        assertThat(m.duration("iso", null)).isEqualTo(Duration.ofMinutes(2));
        assertThat(m.duration("absent", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(m.bool("flag", false)).isTrue();
        assertThat(m.pairs("pairs")).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void anIntervalThatMayBeOffTakesZeroWithOrWithoutAUnitAndNothingNegative() {
        Settings m = Settings.of(Map.of("a", "0", "b", "0s", "c", "PT0S", "d", "1h", "e", "-5s", "f", "0 h"));
        assertThat(m.durationOrOff("a", null)).isZero();
        assertThat(m.durationOrOff("b", null)).isZero();
        assertThat(m.durationOrOff("c", null)).isZero();
        assertThat(m.durationOrOff("f", null)).isZero();
        assertThat(m.durationOrOff("d", null)).isEqualTo(Duration.ofHours(1));
        assertThat(m.durationOrOff("absent", Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> m.durationOrOff("e", null)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("e");
        assertThatThrownBy(() -> m.duration("a", null)).as("a plain duration stays positive")
                .isInstanceOf(ConfigurationException.class);
    }

    @Test
    void errorsNameTheFullKeyAndTheAllowedForm() {
        Settings m = s.under("mover.");
        assertThatThrownBy(() -> m.bytes("bad", 0, 0, 10)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("mover.bad").hasMessageContaining("8MiB");
        assertThatThrownBy(() -> m.duration("bad", null)).hasMessageContaining("mover.bad").hasMessageContaining("5s");
        assertThatThrownBy(() -> m.bytes("rangeSize", 0, 0, 1024)).hasMessageContaining("mover.rangeSize")
                .hasMessageContaining("[0, 1024]");
        assertThatThrownBy(() -> m.required("absent", "a thing")).hasMessageContaining("mover.absent");
        assertThat(((ConfigurationException) catchKey(() -> m.bool("tick", false))).key()).isEqualTo("mover.tick");
    }

    @Test
    void recordsWhatWasAskedSoTyposCanBeReported() {
        Settings m = s.under("mover.");
        m.bytes("rangeSize", 0, 0, Long.MAX_VALUE);
        m.optional("neverSet");
        assertThat(s.requestedKeys()).contains("mover.rangeSize", "mover.neverSet");
        assertThat(m.unreadKeys()).contains("mover.plain").doesNotContain("mover.rangeSize", "other.key");
    }

    private static RuntimeException catchKey(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("no exception");
    }
}
