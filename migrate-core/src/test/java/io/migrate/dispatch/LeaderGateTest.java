package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.ha.spi.LeadershipState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderGateTest {
    @TempDir
    Path root;

    final FakeTime time = new FakeTime(Instant.parse("2026-11-25T08:00:00Z"));
    final TestElection election = new TestElection("m1", LeadershipState.LEADER);

    private LeaderGate gate() {
        LeaderGate g = new LeaderGate(election, root, DispatchConfig.defaults(), time.ticker());
        g.start();
        return g;
    }

    @Test
    void takesTheNextFreeEpochAboveWhatExists() throws Exception {
        Files.createDirectories(root.resolve("epochs/41"));
        LeaderGate g = gate();

        assertThat(g.enter()).hasValue(42);
        assertThat(root.resolve("epochs/42")).isDirectory();
        assertThat(g.checkBatch()).isTrue();
    }

    @Test
    void aLossOfLeadershipClosesTheGateAtOnceWithoutIo() {
        LeaderGate g = gate();
        g.enter();
        assertThat(g.isActive()).isTrue();

        election.set(LeadershipState.UNKNOWN); // listener: no revalidate, no directory listing

        assertThat(g.isActive()).isFalse();
        assertThat(g.checkBatch()).isFalse();
        assertThat(g.enter()).isEmpty();
        assertThat(g.epoch()).isZero();
    }

    @Test
    void regainingLeadershipTakesANewEpochAndRestartsTheGrace() {
        LeaderGate g = gate();
        long first = g.enter().getAsLong();
        time.advance(Duration.ofMinutes(5));
        assertThat(g.leadershipAge()).isEqualTo(Duration.ofMinutes(5));

        election.set(LeadershipState.NOT_LEADER);
        election.set(LeadershipState.LEADER);

        assertThat(g.enter()).hasValue(first + 1);
        assertThat(g.leadershipAge()).isZero();
    }

    @Test
    void prunesOldEpochDirectoriesButKeepsTheRecentOnes() throws Exception {
        for (int i = 1; i <= 40; i++) {
            Files.createDirectories(root.resolve("epochs/" + i));
        }
        assertThat(gate().enter()).hasValue(41);
        try (Stream<Path> s = Files.list(root.resolve("epochs"))) {
            assertThat(s.map(p -> Long.parseLong(p.getFileName().toString())))
                    .hasSize(17).allMatch(n -> n >= 25 && n <= 41);
        }
    }

    @Test
    void closeGivesUpTheEpochAndIsIdempotent() {
        LeaderGate g = gate();
        g.enter();
        g.close();
        g.close();
        assertThat(g.isActive()).isFalse();
        assertThat(g.enter()).isEmpty();
    }
}
