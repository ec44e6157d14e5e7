package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.error.ErrorCode;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskReclaimerTest {
    private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");
    /** No grace, so that tests start acting at once; the grace has its own test. */
    private static final DispatchConfig NO_GRACE = DispatchConfig.builder().reclaimGrace(Duration.ZERO).build();

    @TempDir
    Path root;

    FakeTime time;
    DirectoryTaskStore store;
    TestElection election;
    TestMembership membership;
    LeaderGate gate;

    @BeforeEach
    void setUp() {
        time = new FakeTime(T0.plus(Duration.ofHours(1)));
        store = DirectoryTaskStore.builder().root(root).clock(time.clock()).syncDirectories(false).build();
        election = new TestElection("leader", LeadershipState.LEADER);
        membership = new TestMembership();
    }

    private TaskReclaimer reclaimer(DispatchConfig config) {
        gate = new LeaderGate(election, root, config, time.ticker());
        gate.start();
        return TaskReclaimer.builder().store(store).membership(membership).gate(gate).config(config)
                .clock(time.clock()).nanoTicker(time.ticker()).build();
    }

    private void nodes(String... names) {
        for (String n : names) {
            store.registerNode(n);
        }
        membership.setLive(names);
    }

    private List<String> put(int count, TaskState state, String node, int offsetSeconds) {
        List<String> ids = Tasks.submit(store, T0.plusSeconds(offsetSeconds), count);
        for (String id : ids) {
            store.move(store.find(id).orElseThrow(), state, node);
        }
        return ids;
    }

    private StoredTask read(String id) {
        return store.read(store.find(id).orElseThrow()).orElseThrow();
    }

    @Test
    void returnsInboxAndRunningTasksOfADeadNodeToPendingWithTheReason() {
        nodes("a", "b");
        List<String> inbox = put(2, TaskState.INBOX, "a", 0);
        List<String> running = put(1, TaskState.RUNNING, "a", 10);
        List<String> other = put(2, TaskState.RUNNING, "b", 20);
        TaskReclaimer r = reclaimer(NO_GRACE);
        membership.setLive("b");

        ReclaimReport report = r.runOnce();

        assertThat(report.reclaimedDead()).isEqualTo(3);
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).containsExactlyInAnyOrder(
                inbox.get(0), inbox.get(1), running.get(0));
        assertThat(Tasks.ids(store, TaskState.RUNNING, "b")).containsExactlyElementsOf(other);
        StoredTask t = read(running.get(0));
        assertThat(t.task().attempt()).isEqualTo(1);
        assertThat(t.history()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(TaskEvent.Type.RECLAIMED_DEAD_NODE);
            assertThat(e.fromNode()).isEqualTo("a");
            assertThat(e.epoch()).isEqualTo(gate.epoch());
        });
    }

    @Test
    void leavesTheRestToANodeThatComesBackDuringTheReclaim() {
        nodes("a", "b");
        put(4, TaskState.INBOX, "a", 0);
        TaskReclaimer r = reclaimer(NO_GRACE);
        membership.setLive("b");
        // The fresh check says dead for the first task, then the node's heartbeat is seen again.
        AtomicInteger asks = new AtomicInteger();
        membership.onIsAlive(n -> n.equals("b") || asks.incrementAndGet() > 1);

        ReclaimReport report = r.runOnce();

        assertThat(report.reclaimedDead()).isEqualTo(1);
        assertThat(report.nodesCameBack()).isEqualTo(1);
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).hasSize(3);
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(1);
    }

    @Test
    void waitsTheGracePeriodAfterGainingLeadership() {
        nodes("a", "b");
        put(2, TaskState.RUNNING, "a", 0);
        DispatchConfig config = DispatchConfig.builder().nodeLease(Duration.ofSeconds(30)).build();
        assertThat(config.reclaimGrace()).isEqualTo(Duration.ofSeconds(110));
        TaskReclaimer r = reclaimer(config);
        membership.setLive("b");

        assertThat(r.runOnce().inGrace()).isTrue();
        time.advance(Duration.ofSeconds(109));
        assertThat(r.runOnce().inGrace()).isTrue();
        assertThat(Tasks.ids(store, TaskState.RUNNING, "a")).hasSize(2);

        time.advance(Duration.ofSeconds(1));
        assertThat(r.runOnce().reclaimedDead()).isEqualTo(2);
    }

    @Test
    void reclaimsARunningTaskWhoseLeaseStoppedMovingAsAFailedAttempt() {
        nodes("a");
        String stalled = put(1, TaskState.RUNNING, "a", 0).get(0);
        String busy = put(1, TaskState.RUNNING, "a", 10).get(0);
        TaskReclaimer r = reclaimer(NO_GRACE);

        r.runOnce(); // first observation of both leases
        for (int minutes : new int[] {10, 10, 9}) {
            time.advance(Duration.ofMinutes(minutes));
            store.touchLease(store.find(busy).orElseThrow()); // progress moves the lease
            assertThat(r.runOnce().reclaimedStalled()).isZero();
        }
        time.advance(Duration.ofMinutes(1));
        ReclaimReport report = r.runOnce();

        assertThat(report.reclaimedStalled()).isEqualTo(1);
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).containsExactly(stalled);
        assertThat(Tasks.ids(store, TaskState.RUNNING, "a")).containsExactly(busy);
        assertThat(read(stalled).count(TaskEvent.Type.RECLAIMED_STALLED)).isEqualTo(1);
    }

    @Test
    void aStalledTaskOnItsLastAttemptGoesToFailed() {
        nodes("a");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).maxAttempts(2).build();
        String id = put(1, TaskState.RUNNING, "a", 0).get(0);
        TaskReclaimer r = reclaimer(config);
        r.runOnce();
        time.advance(Duration.ofMinutes(31));
        assertThat(r.runOnce().reclaimedStalled()).isEqualTo(1);

        store.move(store.find(id).orElseThrow(), TaskState.RUNNING, "a");
        r.runOnce();
        time.advance(Duration.ofMinutes(31));
        ReclaimReport second = r.runOnce();

        assertThat(second.failed()).isEqualTo(1);
        TaskRef ref = store.find(id).orElseThrow();
        assertThat(ref.state()).isEqualTo(TaskState.FAILED);
        assertThat(DirectoryTaskStore.failureCode(ref)).contains(ErrorCode.MAX_ATTEMPTS_EXCEEDED);
        assertThat(read(id).count(TaskEvent.Type.RECLAIMED_STALLED)).isEqualTo(1); // history kept
    }

    @Test
    void aTaskReassignedTooOftenGoesToFailedWithItsHistory() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).maxReassignments(2).build();
        String id = put(1, TaskState.INBOX, "a", 0).get(0);
        TaskReclaimer r = reclaimer(config);
        for (int i = 0; i < 2; i++) {
            membership.setLive("b");
            assertThat(r.runOnce().reclaimedDead()).isEqualTo(1);
            store.move(store.find(id).orElseThrow(), TaskState.INBOX, "a");
        }
        ReclaimReport third = r.runOnce();

        assertThat(third.failed()).isEqualTo(1);
        TaskRef ref = store.find(id).orElseThrow();
        assertThat(DirectoryTaskStore.failureCode(ref)).contains(ErrorCode.TOO_MANY_REASSIGNMENTS);
        assertThat(read(id).count(TaskEvent.Type.RECLAIMED_DEAD_NODE)).isEqualTo(2);
    }

    @Test
    void rebalancesOnlyAfterTwoConsecutiveOverloadedTicks() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).backlogThreshold(10).build();
        put(15, TaskState.INBOX, "a", 0);
        TaskReclaimer r = reclaimer(config);

        assertThat(r.runOnce().rebalanced()).isZero();
        ReclaimReport second = r.runOnce();

        // 5 over the threshold: one whole group of k = 5 moves, the newest
        assertThat(second.rebalanced()).isEqualTo(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "b")).hasSize(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).hasSize(10);
    }

    @Test
    void anOverloadThatClearsResetsTheCount() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).backlogThreshold(10).build();
        List<String> ids = put(15, TaskState.INBOX, "a", 0);
        TaskReclaimer r = reclaimer(config);
        r.runOnce();
        // the node works through its backlog below the threshold for a tick
        for (String id : ids.subList(0, 6)) {
            store.move(store.find(id).orElseThrow(), TaskState.PENDING, null);
        }
        assertThat(r.runOnce().rebalanced()).isZero();
        put(6, TaskState.INBOX, "a", 100);
        assertThat(r.runOnce().rebalanced()).isZero(); // first tick over again
    }

    @Test
    void movesAtMostNPerTickAndMPerTargetInWholeGroupsAndNeverRunningTasks() {
        nodes("a", "b", "c", "d");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).backlogThreshold(20)
                .inboxCap(100).reclaimPerTick(10).assignPerTarget(5).affinityGroupSize(5).build();
        List<String> running = put(10, TaskState.RUNNING, "a", 0);
        List<String> inbox = put(40, TaskState.INBOX, "a", 100);
        TaskReclaimer r = reclaimer(config);
        r.runOnce();

        ReclaimReport report = r.runOnce();

        assertThat(report.rebalanced()).isEqualTo(10);
        assertThat(Tasks.ids(store, TaskState.RUNNING, "a")).containsExactlyElementsOf(running);
        List<String> toB = Tasks.ids(store, TaskState.INBOX, "b");
        List<String> toC = Tasks.ids(store, TaskState.INBOX, "c");
        List<String> toD = Tasks.ids(store, TaskState.INBOX, "d");
        assertThat(toB.size() + toC.size() + toD.size()).isEqualTo(10);
        assertThat(List.of(toB.size(), toC.size(), toD.size())).allMatch(n -> n == 0 || n == 5);
        // the newest two groups left, each whole
        assertThat(List.of(toB, toC, toD)).filteredOn(l -> !l.isEmpty())
                .containsExactlyInAnyOrder(inbox.subList(35, 40), inbox.subList(30, 35));
        StoredTask moved = read(inbox.get(39));
        assertThat(moved.history()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(TaskEvent.Type.REBALANCED);
            assertThat(e.fromNode()).isEqualTo("a");
        });
    }

    @Test
    void neverSendsATaskBackToTheNodeItLeftWithinTheCooldown() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).backlogThreshold(10)
                .rebalanceCooldown(Duration.ofMinutes(10)).build();
        List<String> others = put(8, TaskState.INBOX, "b", 0);
        // the newest five came to b from a just now
        List<String> cameFromA = Tasks.submit(store, T0.plusSeconds(100), 5);
        for (String id : cameFromA) {
            store.move(store.find(id).orElseThrow(), TaskState.INBOX, "b",
                    new TaskEvent(time.now(), 1, TaskEvent.Type.REBALANCED, "a", "b", "test"));
        }
        TaskReclaimer r = reclaimer(config);
        r.runOnce();

        ReclaimReport report = r.runOnce();

        assertThat(report.rebalanced()).isEqualTo(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).containsExactlyElementsOf(others.subList(3, 8));

        // after the cooldown they may go back
        time.advance(Duration.ofMinutes(11));
        put(5, TaskState.INBOX, "b", 50);
        for (String id : Tasks.ids(store, TaskState.INBOX, "a")) {
            store.move(store.find(id).orElseThrow(), TaskState.PENDING, null);
        }
        assertThat(r.runOnce().rebalanced()).isEqualTo(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).containsExactlyElementsOf(cameFromA);
    }

    @Test
    void stopsWhenFencedByAHigherEpoch() throws Exception {
        nodes("a", "b");
        put(3, TaskState.INBOX, "a", 0);
        TaskReclaimer r = reclaimer(NO_GRACE);
        assertThat(r.runOnce().stopped()).isFalse();
        Files.createDirectory(root.resolve("epochs").resolve(Long.toString(gate.epoch() + 1)));
        membership.setLive("b");

        ReclaimReport report = r.runOnce();

        assertThat(report.stopped()).isTrue();
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).hasSize(3);
        assertThat(gate.fencings()).isEqualTo(1);
    }

    @Test
    void stopsOnUnknownLeadership() {
        nodes("a", "b");
        put(3, TaskState.INBOX, "a", 0);
        TaskReclaimer r = reclaimer(NO_GRACE);
        r.runOnce();
        membership.setLive("b");
        election.set(LeadershipState.UNKNOWN);

        assertThat(r.runOnce().stopped()).isTrue();
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).hasSize(3);
    }

    @Test
    void aMembershipChangeTriggersATickAtOnce() {
        nodes("a", "b");
        put(2, TaskState.INBOX, "a", 0);
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).reclaimTick(Duration.ofHours(1))
                .build();
        try (TaskReclaimer r = reclaimer(config)) {
            r.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> gate.epoch() > 0); // first scheduled tick ran
            membership.setLive("b");
            await().atMost(Duration.ofSeconds(10)).until(() -> Tasks.ids(store, TaskState.PENDING, null).size() == 2);
            assertThat(r.reclaimed()).isEqualTo(2);
        }
    }

    @Test
    void removesStaleIncomingFiles() throws Exception {
        nodes("a");
        Path stale = root.resolve("incoming").resolve(".x.tmp");
        Files.writeString(stale, "{");
        Files.setLastModifiedTime(stale, FileTime.from(time.now().minus(Duration.ofHours(1))));
        reclaimer(NO_GRACE).runOnce();
        assertThat(stale).doesNotExist();
    }
}
