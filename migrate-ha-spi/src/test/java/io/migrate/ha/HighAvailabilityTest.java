package io.migrate.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.ha.fixed.FixedLeaderElection;
import io.migrate.ha.fixed.VipLeaderElection;
import io.migrate.ha.spi.LeadershipState;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HighAvailabilityTest {
    @TempDir
    Path root;

    private ConfigurationException configError(Map<String, String> props) {
        return (ConfigurationException) org.assertj.core.api.Assertions.catchThrowable(
                () -> HighAvailability.fromProperties("node-a", root, props));
    }

    @Test
    void missingTypeNamesTheKeyAndTheAllowedValues() {
        ConfigurationException e = configError(Map.of("other.key", "x"));
        assertThat(e.key()).isEqualTo("ha.type");
        assertThat(e.getMessage()).contains("required").contains("[ctdb, static, zookeeper]");
    }

    @Test
    void everyKeyIsReadOrReportedAllAtOnce() {
        // the cases, through the README's path: none may be accepted silently
        Map<String, String> props = Map.of("ha.type", "static", "ha.static.leader", "node-a",
                "nodes.id", "node-a", "taskroot", "/tmp/x", "ha.zookeeper.connect", "zk:2181", "ha.static.bogus", "1");
        ConfigurationException e = configError(props);
        assertThat(e.getMessage()).contains("4 configuration problems")
                .contains("nodes.id").contains("taskroot").contains("ha.zookeeper.connect").contains("ha.static.bogus")
                .doesNotContain("ha.static.leader:");
        assertThat(e.getSuppressed()).hasSize(4).allSatisfy(x -> assertThat(x).isInstanceOf(ConfigurationException.class));
        assertThat(e.key()).isIn("nodes.id", "taskroot", "ha.zookeeper.connect", "ha.static.bogus");

        // a bad value and an unknown key: both, not the first only
        ConfigurationException both = configError(Map.of("ha.type", "static", "ha.static.leader", "node-a",
                "ha.heartbeat.interval", "soon", "ha.static.vip.pollInterval", "1s"));
        assertThat(both.getMessage()).contains("ha.heartbeat.interval").contains("soon");
        // every key of the provider that is read stays unreported
        try (HighAvailability ok = HighAvailability.fromProperties("node-a", root, Map.of("ha.type", "static",
                "ha.static.leader", "node-a", "ha.heartbeat.interval", "1s", "ha.heartbeat.nodeLease", "10s",
                "ha.nodes", "node-a,node-b"))) {
            assertThat(ok.election()).isNotNull();
        }
    }

    @Test
    void unknownTypeNamesTheKeyAndTheAllowedValues() {
        ConfigurationException e = configError(Map.of("ha.type", "etcd"));
        assertThat(e.key()).isEqualTo("ha.type");
        assertThat(e.getMessage()).contains("etcd").contains("[ctdb, static, zookeeper]");
    }

    @Test
    void staticLeaderWithHeartbeatMembershipThroughServiceLoader() {
        try (HighAvailability ha = HighAvailability.fromProperties("node-a", root, Map.of(
                "ha.type", "static", "ha.static.leader", "node-a", "ha.nodes", "node-a, node-b",
                "ha.heartbeat.interval", "1s", "ha.heartbeat.nodeLease", "PT10S"))) {
            assertThat(ha.election()).isInstanceOf(FixedLeaderElection.class);
            assertThat(ha.membership()).isInstanceOf(HeartbeatFileMembership.class);
            HeartbeatFileMembership m = (HeartbeatFileMembership) ha.membership();
            assertThat(m.heartbeatInterval()).hasSeconds(1);
            assertThat(m.nodeLease()).hasSeconds(10);
            ha.start();
            assertThat(ha.election().revalidate()).isEqualTo(LeadershipState.LEADER);
            assertThat(ha.membership().knownNodes()).contains("node-a", "node-b");
        }
    }

    @Test
    void staticVipFromProperties() {
        try (HighAvailability ha = HighAvailability.fromProperties("node-a", root, Map.of(
                "ha.type", "static", "ha.static.vip", "127.0.0.1", "ha.static.vip.pollInterval", "200ms"))) {
            assertThat(ha.election()).isInstanceOf(VipLeaderElection.class);
            assertThat(ha.election().revalidate()).isEqualTo(LeadershipState.LEADER);
        }
    }

    @Test
    void staticNeedsExactlyOneOfLeaderOrVip() {
        assertThat(configError(Map.of("ha.type", "static")).getMessage())
                .contains("ha.static.leader").contains("ha.static.vip");
        assertThat(configError(Map.of("ha.type", "static", "ha.static.leader", "a", "ha.static.vip", "127.0.0.1"))
                .key()).isEqualTo("ha.static.leader");
        assertThat(configError(Map.of("ha.type", "static", "ha.static.vip", "vip.example.com")).key())
                .isEqualTo("ha.static.vip");
        assertThat(configError(Map.of("ha.type", "static", "ha.static.leader", "a", "ha.heartbeat.interval", "5 parsecs"))
                .key()).isEqualTo("ha.heartbeat.interval");
        ConfigurationException lease = configError(Map.of("ha.type", "static", "ha.static.leader", "a",
                "ha.heartbeat.interval", "30s", "ha.heartbeat.nodeLease", "10s"));
        assertThat(lease.key()).isEqualTo("ha.heartbeat.nodeLease");
        assertThat(lease.getMessage()).contains("must be longer than heartbeatInterval");
        assertThat(configError(Map.of("ha.type", "zookeeper", "ha.zookeeper.connect", "zk:2181",
                "ha.zookeeper.path", "relative")).key()).isEqualTo("ha.zookeeper.path");
    }

    @Test
    void everyBundledProviderIsRegistered() {
        assertThat(HighAvailability.providers()).containsOnlyKeys("static", "zookeeper", "ctdb");
    }

    @Test
    void unknownTypeIsAConfigurationException() {
        assertThatThrownBy(() -> HighAvailability.fromProperties("a", root, Map.of("ha.type", "")))
                .isInstanceOf(ConfigurationException.class);
    }
}
