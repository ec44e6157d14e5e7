package io.migrate.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommitGuardTest {
    private static final Optional<TargetStat> V1 = Optional.of(new TargetStat(3, Map.of(), "v1"));
    private static final Optional<TargetStat> V2 = Optional.of(new TargetStat(3, Map.of(), "v2"));
    private static final Optional<TargetStat> UNVERSIONED = Optional.of(new TargetStat(3, Map.of()));

    @Test
    void absentAdmitsOnlyAnEmptyKey() {
        assertThat(CommitGuard.absent().admits(Optional.empty())).isTrue();
        assertThat(CommitGuard.absent().admits(V1)).isFalse();
    }

    @Test
    void matchesAdmitsOnlyTheVersionItNames() {
        assertThat(CommitGuard.matches("v1").admits(V1)).isTrue();
        assertThat(CommitGuard.matches("v1").admits(V2)).isFalse();
        assertThat(CommitGuard.matches("v1").admits(Optional.empty())).isFalse();
        assertThat(CommitGuard.matches("v1").admits(UNVERSIONED)).isFalse();
        assertThatThrownBy(() -> CommitGuard.matches(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void unconditionalAdmitsAnything() {
        assertThat(CommitGuard.unconditional().admits(Optional.empty())).isTrue();
        assertThat(CommitGuard.unconditional().admits(V2)).isTrue();
    }

    @Test
    void ofAStatFencesAgainstWhatItSaw() {
        assertThat(CommitGuard.of(Optional.empty())).isEqualTo(CommitGuard.absent());
        assertThat(CommitGuard.of(V1)).isEqualTo(CommitGuard.matches("v1"));
        assertThat(CommitGuard.of(UNVERSIONED)).isEqualTo(CommitGuard.unconditional());
        assertThat(CommitGuard.matches("v1").kind()).isEqualTo(CommitGuard.Kind.MATCHES);
        assertThat(CommitGuard.matches("v1").version()).isEqualTo("v1");
        assertThat(CommitGuard.absent().version()).isNull();
    }

    @Test
    void theTwoArgumentStatHasNoVersion() {
        assertThat(new TargetStat(1, Map.of()).version()).isNull();
    }

    @Test
    void fencedCommitsIsOffUnlessSetAndSurvivesTheOtherWithers() {
        assertThat(new TransportCapabilities(WriteMode.RANDOM_OFFSET, 1, 2, 3, false).fencedCommits()).isFalse();
        assertThat(new TransportCapabilities(WriteMode.RANDOM_OFFSET, 1, 2, 3, false).withFencedCommits(true)
                .withWholePutLimit(5).withCopiesLocalFiles(true).fencedCommits()).isTrue();
    }
}
