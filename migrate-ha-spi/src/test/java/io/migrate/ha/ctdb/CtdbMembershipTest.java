package io.migrate.ha.ctdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CtdbMembershipTest {
    private static final String HEADER =
            "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n";
    /** Recorded from a 3-node Samba 4.17 cluster, all healthy, asked on PNN 1. */
    static final String ALL_OK = HEADER
            + "|0|127.0.0.1|0|0|0|0|0|0|0|0|N|\n"
            + "|1|127.0.0.2|0|0|0|0|0|0|0|0|Y|\n"
            + "|2|127.0.0.3|0|0|0|0|0|0|0|0|N|\n";
    /** Recorded after SIGKILL of PNN 0's ctdbd: DISCONNECTED|UNHEALTHY|INACTIVE. */
    static final String NODE0_KILLED = HEADER
            + "|0|127.0.0.1|1|0|0|0|1|0|1|0|N|\n"
            + "|1|127.0.0.2|0|0|0|0|0|0|0|0|Y|\n"
            + "|2|127.0.0.3|0|0|0|0|0|0|0|0|N|\n";

    private static CtdbConfig config() {
        return CtdbConfig.builder().nodeId("node-b").nodes(Map.of(0, "node-a", 1, "node-b", 2, "node-c"))
                .pollInterval(Duration.ofMillis(20)).build();
    }

    @Test
    void parsesEveryFlagCombinationSeen() {
        String rows = HEADER
                + "|0|10.0.0.1|0|0|0|1|0|0|0|0|N|\n" // DISABLED: still a member
                + "|1|10.0.0.2|0|0|1|0|0|0|1|0|Y|\n" // BANNED|INACTIVE
                + "|2|10.0.0.3|0|0|0|0|0|1|1|0|N|\n" // STOPPED|INACTIVE
                + "|3|10.0.0.4|1|0|0|0|1|0|1|0|N|\n" // DISCONNECTED|UNHEALTHY|INACTIVE
                + "|4|10.0.0.5|0|0|0|0|1|0|0|0|N|\n"; // UNHEALTHY
        List<CtdbOutput.NodeStatus> s = CtdbOutput.nodeStatusAll(rows).orElseThrow();
        assertThat(s).extracting(CtdbOutput.NodeStatus::alive).containsExactly(true, false, false, false, false);
        assertThat(s.get(1).thisNode()).isTrue();
        assertThat(s.get(3).address()).isEqualTo("10.0.0.4");
    }

    @Test
    void rejectsWhatIsNotTheTable() {
        assertThat(CtdbOutput.nodeStatusAll("")).isEmpty();
        assertThat(CtdbOutput.nodeStatusAll("Number of nodes:3\npnn:0 127.0.0.1 OK\n")).isEmpty();
        assertThat(CtdbOutput.nodeStatusAll(HEADER)).isEmpty();
        assertThat(CtdbOutput.nodeStatusAll(HEADER + "|0|127.0.0.1|0|0|0|0|0|0|N|\n")).as("short row").isEmpty();
        assertThat(CtdbOutput.nodeStatusAll(HEADER + "|x|127.0.0.1|0|0|0|0|0|0|0|0|N|\n")).isEmpty();
        assertThat(CtdbOutput.nodeStatusAll(HEADER + "|0|127.0.0.1|0|?|0|0|0|0|0|0|N|\n")).isEmpty();
    }

    @Test
    void killedNodeLeavesTheLiveSetInOrder() {
        ScriptedRunner r = new ScriptedRunner().answer("-X nodestatus all", 0, ALL_OK);
        List<Set<String>> events = new CopyOnWriteArrayList<>();
        try (CtdbMembership m = new CtdbMembership(config(), r)) {
            m.addListener(events::add);
            m.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> m.liveNodes().size() == 3);
            // Exit status is the OR of the flags (3 here): the table still counts.
            r.answer("-X nodestatus all", 3, NODE0_KILLED);
            await().atMost(Duration.ofSeconds(10)).until(() -> !m.liveNodes().contains("node-a"));
            assertThat(m.isAlive("node-a")).isFalse();
            assertThat(m.isAlive("node-b")).isTrue();
            assertThat(m.knownNodes()).containsExactlyInAnyOrder("node-a", "node-b", "node-c");
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        }
        assertThat(events).containsExactly(Set.of("node-a", "node-b", "node-c"), Set.of("node-b", "node-c"));
    }

    @Test
    void noAnswerKeepsTheLastKnownState() {
        ScriptedRunner r = new ScriptedRunner().answer("-X nodestatus all", 0, ALL_OK);
        try (CtdbMembership m = new CtdbMembership(config(), r)) {
            assertThat(m.isAlive("node-a")).isTrue();
            r.timeout("-X nodestatus all");
            assertThat(m.isAlive("node-a")).isTrue();
            r.noDaemon();
            assertThat(m.isAlive("node-a")).isTrue();
            r.answer("-X nodestatus all", 0, "garbage");
            assertThat(m.isAlive("node-a")).isTrue();
            assertThat(m.liveNodes()).hasSize(3);
        }
    }

    @Test
    void unmappedPnnGetsAStableName() {
        ScriptedRunner r = new ScriptedRunner().answer("-X nodestatus all", 0,
                ALL_OK + "|7|127.0.0.8|0|0|0|0|0|0|0|0|N|\n");
        try (CtdbMembership m = new CtdbMembership(config(), r)) {
            assertThat(m.isAlive("pnn-7")).isTrue();
        }
    }
}
