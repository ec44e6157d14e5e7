package io.migrate.ha.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeartbeatFileMembershipTest {
    private static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path root;

    /** The observer's clock; the nodes' own clocks are separate and never compared with it. */
    private final AtomicLong observerClock = new AtomicLong(1_000_000_000L);
    private final AtomicLong nodeClock = new AtomicLong(-7_000_000_000_000L);
    private final List<HeartbeatFileMembership> opened = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(HeartbeatFileMembership::close);
    }

    private HeartbeatFileMembership membership(String node, AtomicLong clock, Duration interval, String... known) {
        HeartbeatFileMembership m = HeartbeatFileMembership.builder()
                .nodeId(node).taskRoot(root).heartbeatInterval(interval).nodeLease(LEASE)
                .knownNodes(List.of(known)).ticker(clock::get).build();
        opened.add(m);
        return m;
    }

    private void beat(HeartbeatFileMembership node) {
        nodeClock.addAndGet(INTERVAL.toNanos()); // past the write coalescing window
        node.heartbeat();
    }

    private String counter(String node) throws Exception {
        return Files.readString(root.resolve("nodes").resolve(node).resolve("alive"));
    }

    @Test
    void heartbeatIncrementsDecimalCounterWithoutLeavingTempFile() throws Exception {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        beat(b);
        assertThat(counter("node-b")).isEqualTo("1");
        beat(b);
        beat(b);
        assertThat(counter("node-b")).isEqualTo("3");
        assertThat(root.resolve("nodes/node-b/alive.tmp")).doesNotExist();
    }

    @Test
    void heartbeatsInsideTheCoalescingWindowWriteOnce() throws Exception {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        b.heartbeat();
        b.heartbeat();
        nodeClock.addAndGet(INTERVAL.toNanos() / 10 - 1);
        b.heartbeat();
        assertThat(counter("node-b")).isEqualTo("1");
        nodeClock.addAndGet(1);
        b.heartbeat();
        assertThat(counter("node-b")).isEqualTo("2");
    }

    @Test
    void restartedNodeContinuesItsCounter() throws Exception {
        beat(membership("node-b", nodeClock, INTERVAL));
        HeartbeatFileMembership again = membership("node-b", nodeClock, INTERVAL);
        beat(again);
        assertThat(counter("node-b")).isEqualTo("2");
    }

    @Test
    void nodeDiesWhenCounterUnchangedForLeaseOnObserverClock() {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        HeartbeatFileMembership observer = membership("node-a", observerClock, INTERVAL);
        beat(b);
        observer.observeAll();
        assertThat(observer.liveNodes()).containsExactly("node-b");

        observerClock.addAndGet(LEASE.toNanos() - 1);
        observer.observeAll();
        assertThat(observer.liveNodes()).containsExactly("node-b");

        observerClock.addAndGet(1);
        observer.observeAll();
        assertThat(observer.liveNodes()).isEmpty();
        assertThat(observer.knownNodes()).contains("node-b");
    }

    /** Issue #14, finding 4: one failed read declared a node dead at once. */
    @Test
    void unreadableHeartbeatIsUnknownAndTheNodeLivesUntilItsLeaseRunsOut() throws Exception {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        HeartbeatFileMembership observer = membership("node-a", observerClock, INTERVAL);
        beat(b);
        observer.observeAll();
        assertThat(observer.liveNodes()).containsExactly("node-b");

        // The file exists but every read fails (as with ESTALE/EIO): a directory in its place.
        Path alive = root.resolve("nodes/node-b/alive");
        Files.delete(alive);
        Files.createDirectory(alive);
        observerClock.addAndGet(INTERVAL.toNanos());
        observer.observeAll();
        assertThat(observer.isAlive("node-b")).as("one failed read is not a death").isTrue();
        assertThat(observer.liveNodes()).containsExactly("node-b");

        observerClock.addAndGet(LEASE.toNanos() - INTERVAL.toNanos() - 1);
        assertThat(observer.isAlive("node-b")).isTrue();
        observerClock.addAndGet(1);
        assertThat(observer.isAlive("node-b")).as("lease over on the observer's clock").isFalse();

        Files.delete(alive);
        beat(b);
        assertThat(observer.isAlive("node-b")).as("readable and changed again").isTrue();
    }

    @Test
    void counterChangeResetsLeaseWhateverTheFilesMtimeSays() throws Exception {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        HeartbeatFileMembership observer = membership("node-a", observerClock, INTERVAL);
        beat(b);
        observer.observeAll();
        observerClock.addAndGet(LEASE.toNanos() - 1);
        beat(b);
        // A node whose wall clock is years behind: the mtime must not matter.
        Files.setLastModifiedTime(root.resolve("nodes/node-b/alive"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        observer.observeAll();
        observerClock.addAndGet(LEASE.toNanos() - 1);
        observer.observeAll();
        assertThat(observer.liveNodes()).containsExactly("node-b");
    }

    @Test
    void isAliveRereadsTheCounterInsteadOfTrustingTheLastObservation() {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        HeartbeatFileMembership observer = membership("node-a", observerClock, INTERVAL);
        beat(b);
        observer.observeAll();
        observerClock.addAndGet(LEASE.toNanos());
        assertThat(observer.isAlive("node-b")).isFalse();
        assertThat(observer.liveNodes()).isEmpty();

        beat(b);
        assertThat(observer.isAlive("node-b")).isTrue();
        assertThat(observer.liveNodes()).containsExactly("node-b");
    }

    @Test
    void nodeNeverSeenChangingIsJudgedFromFirstObservation() throws Exception {
        // A stale file left by a node that died before this observer started.
        Files.createDirectories(root.resolve("nodes/node-c"));
        Files.writeString(root.resolve("nodes/node-c/alive"), "41");
        HeartbeatFileMembership observer = membership("node-a", observerClock, INTERVAL);
        assertThat(observer.isAlive("node-c")).isTrue();
        observerClock.addAndGet(LEASE.toNanos());
        assertThat(observer.isAlive("node-c")).isFalse();
    }

    @Test
    void configuredNodeIsKnownButNotAliveBeforeItsFirstHeartbeat() {
        HeartbeatFileMembership observer = membership("node-a", observerClock, INTERVAL, "node-b", "node-c");
        observer.observeAll();
        assertThat(observer.knownNodes()).containsExactlyInAnyOrder("node-b", "node-c");
        assertThat(observer.liveNodes()).isEmpty();
        assertThat(observer.isAlive("node-b")).isFalse();
        beat(membership("node-b", nodeClock, INTERVAL));
        assertThat(observer.isAlive("node-b")).isTrue();
        assertThat(observer.isAlive("no-such-node")).isFalse();
        assertThat(observer.knownNodes()).doesNotContain("no-such-node");
    }

    @Test
    void observerThreadDeliversChangesInOrderFromOneNamedThread() {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        HeartbeatFileMembership c = membership("node-c", nodeClock, INTERVAL);
        HeartbeatFileMembership observer = membership("node-a", observerClock, Duration.ofMillis(20));
        List<Set<String>> events = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        observer.addListener(live -> {
            events.add(live);
            threads.add(Thread.currentThread().getName());
        });
        observer.start();
        beat(b);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        beat(c);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        observerClock.addAndGet(LEASE.toNanos());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 3);

        assertThat(events).containsExactly(Set.of("node-b"), Set.of("node-b", "node-c"), Set.of());
        assertThat(threads).allMatch(t -> t.startsWith("migrate-ha-membership-"));
        assertThat(Set.copyOf(threads)).hasSize(1);
    }

    @Test
    void closeIsIdempotentAndStopsHeartbeats() throws Exception {
        HeartbeatFileMembership b = membership("node-b", nodeClock, INTERVAL);
        b.start();
        beat(b);
        b.close();
        b.close();
        beat(b);
        assertThat(counter("node-b")).isEqualTo("1");
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void builderRejectsLeaseNotLongerThanInterval() {
        assertThatThrownBy(() -> HeartbeatFileMembership.builder().nodeId("a").taskRoot(root)
                .heartbeatInterval(Duration.ofSeconds(30)).nodeLease(Duration.ofSeconds(30)).build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).key()).isEqualTo("nodeLease"));
        assertThatThrownBy(() -> HeartbeatFileMembership.builder().nodeId("../x").taskRoot(root).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("nodeId");
        assertThatThrownBy(() -> HeartbeatFileMembership.builder().nodeId("a").build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("taskRoot");
    }

    @Test
    void defaultsAreTheDesignDefaults() {
        HeartbeatFileMembership m = HeartbeatFileMembership.builder().nodeId("a").taskRoot(root).build();
        assertThat(m.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(m.nodeLease()).isEqualTo(Duration.ofSeconds(30));
        m.close();
    }
}
