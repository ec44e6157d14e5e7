package io.migrate.ha.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.ha.HighAvailability;
import io.migrate.ha.spi.LeaderElection;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.ha.spi.Membership;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryPolicy;
import org.apache.curator.RetrySleeper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper unreachable (issue #18): {@code start()} waits {@code ha.zookeeper.startTimeout} for
 * the first connection and throws {@code HA_UNAVAILABLE}, without the false INFO "registered";
 * the retry policy stays under its cap without Curator's "Sleep extension too large" WARN; an
 * outage after start logs one WARN per state change, not one per question. Each test prints how
 * long the error took to surface.
 */
class ZooKeeperUnreachableIT {
    @TempDir
    Path root;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        rootLogger.addAppender(logs);
    }

    @AfterEach
    void release() throws Exception {
        rootLogger.detachAppender(logs);
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    private static String deadEnsemble() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort(); // closed again: nothing listens there
        }
    }

    private List<String> messages(Level level, String containing) {
        List<ILoggingEvent> seen;
        // Curator's and ZooKeeper's threads keep logging while the test reads: ListAppender adds
        // under the appender's own lock (AppenderBase.doAppend), so copy the list under it.
        synchronized (logs) {
            seen = List.copyOf(logs.list);
        }
        return seen.stream().filter(e -> e.getLevel().isGreaterOrEqual(level))
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(containing)).toList();
    }

    @Test
    void startThrowsHaUnavailableAfterTheStartTimeoutThroughTheReadmePath() throws Exception {
        HighAvailability ha = HighAvailability.fromProperties("backend-1", root, Map.of("ha.type", "zookeeper",
                "ha.zookeeper.connect", deadEnsemble(), "ha.zookeeper.startTimeout", "1500ms",
                "ha.zookeeper.connectionTimeout", "500ms"));
        Membership membership = ha.membership();
        LeaderElection election = ha.election();
        opened.add(membership);
        opened.add(election);

        for (Runnable start : List.<Runnable>of(membership::start, election::start)) {
            long t0 = System.nanoTime();
            MigrateException e = catchThrowableOfType(MigrateException.class, start::run);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("ZooKeeper unreachable: start() threw %s after %d ms: %s%n",
                    e == null ? null : e.code(), ms, e == null ? null : e.getMessage());
            assertThat(e).isNotNull();
            assertThat(e.code()).isEqualTo(ErrorCode.HA_UNAVAILABLE);
            assertThat(e).hasMessageContaining("ha.zookeeper.startTimeout");
            assertThat(ms).as("bounded by the start timeout, not forever").isGreaterThanOrEqualTo(1_400);
        }
        membership.heartbeat(); // a worker's first sign of life: must not claim a registration
        assertThat(election.state()).isNotEqualTo(LeadershipState.LEADER);
        assertThat(messages(Level.INFO, "registered in")).isEmpty();
    }

    @Test
    void theRetryPolicyStaysUnderItsCapWithoutWarnings() throws Exception {
        ZooKeeperConfig config = ZooKeeperConfig.builder().nodeId("n").connectString(deadEnsemble())
                .sessionTimeout(Duration.ofSeconds(15)).build();
        CuratorFramework client = Clients.newClient(config);
        opened.add(client);
        RetryPolicy policy = client.getZookeeperClient().getRetryPolicy();
        List<Long> sleeps = new ArrayList<>();
        long[] elapsed = {0};
        RetrySleeper sleeper = (time, unit) -> {
            sleeps.add(unit.toMillis(time));
            elapsed[0] += unit.toMillis(time);
        };
        int retries = 0;
        while (policy.allowRetry(retries, elapsed[0], sleeper) && retries < 1_000) {
            retries++;
        }
        System.out.printf("retry policy: %d retries, %d ms in all, sleeps %s%n", retries, elapsed[0], sleeps);
        assertThat(retries).as("bounded by the session timeout").isBetween(5, 100);
        assertThat(elapsed[0]).isLessThanOrEqualTo(15_000);
        assertThat(sleeps).allSatisfy(ms -> assertThat(ms).isBetween(1L, 2_000L));
        assertThat(messages(Level.WARN, "Sleep extension too large")).isEmpty();
    }

    @Test
    void anOutageAfterStartLogsOneWarningNotOnePerQuestion() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            ZooKeeperConfig config = ZooKeeperConfig.builder().nodeId("manager").connectString(server.getConnectString())
                    .sessionTimeout(Duration.ofSeconds(4)).connectionTimeout(Duration.ofMillis(500))
                    .revalidateTimeout(Duration.ofMillis(300)).build();
            ZooKeeperMembership m = new ZooKeeperMembership(config);
            opened.add(m);
            long t0 = System.nanoTime();
            m.start();
            System.out.printf("ZooKeeper up: membership start() returned after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            m.heartbeat();
            await().atMost(Duration.ofSeconds(20)).until(() -> !messages(Level.INFO, "registered in").isEmpty());

            server.stop();
            for (int i = 0; i < 5; i++) {
                m.isAlive("backend-" + i);
            }
            assertThat(messages(Level.WARN, "cannot ask ZooKeeper")).hasSize(1);
            long c0 = System.nanoTime();
            m.close(); // bounded although the ensemble is gone
            System.out.printf("ZooKeeper down: membership close() took %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c0));
        }
    }
}
