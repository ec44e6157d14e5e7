package io.migrate.ha.fixed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.ha.spi.LeadershipState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class FixedLeaderElectionTest {

    @Test
    void configuredNodeLeadsAndOthersDoNot() {
        try (FixedLeaderElection a = new FixedLeaderElection("node-a", "node-a");
                FixedLeaderElection b = new FixedLeaderElection("node-b", "node-a")) {
            assertThat(a.state()).isEqualTo(LeadershipState.UNKNOWN);
            a.start();
            b.start();
            assertThat(a.state()).isEqualTo(LeadershipState.LEADER);
            assertThat(b.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
            assertThat(b.currentLeader()).contains("node-a");
        }
    }

    @Test
    void closeGivesUpLeadershipAndTellsListeners() {
        FixedLeaderElection a = new FixedLeaderElection("node-a", "node-a");
        List<String> events = new CopyOnWriteArrayList<>();
        a.addListener((prev, cur) -> events.add(prev + "->" + cur));
        a.start();
        a.close();
        a.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        assertThat(events).containsExactly("UNKNOWN->LEADER", "LEADER->NOT_LEADER");
        assertThat(a.revalidate()).isEqualTo(LeadershipState.NOT_LEADER);
    }
}
