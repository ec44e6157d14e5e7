package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TaskIdsTest {
    @Test
    void anIdCarriesItsEligibilityTimeToTheMillisecond() {
        Instant t = Instant.parse("2026-11-25T08:18:55.123Z");
        String id = TaskIds.newId(t);
        assertThat(id).startsWith("20261125T081855123Z-").hasSize(32);
        assertThat(TaskIds.isValid(id)).isTrue();
        assertThat(TaskIds.eligibleAt(id)).isEqualTo(t);
        assertThat(TaskIds.eligibleAt("20240229T235959999Z-0123456789ab")).isEqualTo(Instant.parse("2024-02-29T23:59:59.999Z"));
    }

    @Test
    void malformedOrImpossibleIdsAreNotIds() {
        for (String bad : new String[] {null, "", "20261125T081855123Z-3f9a0c1b2d4", "20261125T081855123Z-3f9a0c1b2d4eX",
                "20261125X081855123Z-3f9a0c1b2d4e", "20261125T081855123Z_3f9a0c1b2d4e", "20261125T081855123Z-3F9A0C1B2D4E",
                "2026112ST081855123Z-3f9a0c1b2d4e", "20261325T081855123Z-3f9a0c1b2d4e", "20250229T081855123Z-3f9a0c1b2d4e",
                "20261125T246055123Z-3f9a0c1b2d4e", "2026112\u0665T081855123Z-3f9a0c1b2d4e"}) {
            assertThat(TaskIds.isValid(bad)).as(bad).isFalse();
            assertThatThrownBy(() -> TaskIds.eligibleAt(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
