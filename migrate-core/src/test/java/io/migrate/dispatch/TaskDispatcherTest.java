package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.ha.spi.LeadershipState;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.MoveOutcome;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskDispatcherTest {
    private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

    @TempDir
    Path root;

    FakeTime time;
    DirectoryTaskStore store;
    TestElection election;
    TestMembership membership;
    Map<String, List<List<String>>> notified;

    @BeforeEach
    void setUp() {
        time = new FakeTime(T0.plus(Duration.ofHours(1)));
        store = DirectoryTaskStore.builder().root(root).clock(time.clock()).syncDirectories(false).build();
        election = new TestElection("leader", LeadershipState.LEADER);
        membership = new TestMembership();
        notified = new ConcurrentHashMap<>();
    }

    private TaskDispatcher dispatcher(DispatchConfig config) {
        LeaderGate gate = new LeaderGate(election, root, config, time.ticker());
        gate.start();
        return TaskDispatcher.builder().store(store).membership(membership).gate(gate).config(config)
                .clock(time.clock())
                .notifier((node, ids) -> notified.computeIfAbsent(node, n -> new ArrayList<>()).add(ids))
                .build();
    }

    private void nodes(String... names) {
        for (String n : names) {
            store.registerNode(n);
        }
        membership.setLive(names);
    }

    @Test
    void sendsRunsOfKConsecutiveTasksToOneNode() {
        nodes("a", "b", "c");
        List<String> ids = Tasks.submit(store, T0, 15);

        DispatchReport r = dispatcher(DispatchConfig.defaults()).runOnce();

        assertThat(r.dispatched()).isEqualTo(15);
        List<List<String>> groups = new ArrayList<>();
        for (String n : List.of("a", "b", "c")) {
            List<String> inbox = Tasks.ids(store, TaskState.INBOX, n);
            assertThat(inbox).hasSize(5);
            groups.add(inbox);
        }
        // every inbox holds one run of 5 consecutive tasks
        assertThat(groups).containsExactlyInAnyOrder(ids.subList(0, 5), ids.subList(5, 10), ids.subList(10, 15));
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).isEmpty();
    }

    /** Submits a task and moves it to {@code state} of {@code node}, as a dispatch and claim would. */
    private MigrationTask placed(MigrationTask task, TaskState state, String node) {
        TaskRef pending = store.submit(task);
        assertThat(store.move(pending, state, node)).isEqualTo(MoveOutcome.MOVED);
        return task;
    }

    private String nodeOf(MigrationTask task) {
        return store.find(task.id()).orElseThrow().node();
    }

    @Test
    void aDuplicateGoesAloneToTheNodeHoldingItsOriginalEvenAtTheThresholdWhileAnotherIsIdle() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().backlogThreshold(3).inboxCap(3).build();
        // a is at the threshold: one original running, one in its inbox, one unrelated task
        MigrationTask running = placed(Tasks.task(T0.minusSeconds(60), 3), TaskState.RUNNING, "a");
        MigrationTask queued = placed(Tasks.task(T0.minusSeconds(59), 2), TaskState.INBOX, "a");
        placed(Tasks.task(T0.minusSeconds(58), 1), TaskState.INBOX, "a");
        // the platform's retries arrive between unrelated tasks
        List<String> fresh = new ArrayList<>(Tasks.submit(store, T0, 2));
        MigrationTask dupOfRunning = Tasks.duplicate(running, T0.plusSeconds(1));
        MigrationTask dupOfQueued = Tasks.duplicate(queued, T0.plusSeconds(2));
        store.submit(dupOfRunning);
        store.submit(dupOfQueued);
        fresh.addAll(Tasks.submit(store, T0.plusSeconds(3), 1));

        DispatchReport r = dispatcher(config).runOnce();

        assertThat(r.dispatched()).isEqualTo(5);
        assertThat(r.unplaceable()).isZero();
        assertThat(nodeOf(dupOfRunning)).isEqualTo("a");
        assertThat(nodeOf(dupOfQueued)).isEqualTo("a");
        // the duplicates took none of b's room and did not join (or split) the affinity group
        assertThat(Tasks.ids(store, TaskState.INBOX, "b")).containsExactlyElementsOf(fresh);
        assertThat(store.count(TaskState.INBOX, "a")).isEqualTo(4); // above the cap: duplicates cost a nothing
    }

    @Test
    void aDuplicateSharingFilesWithSeveralNodesGoesToTheOneWithMostOfThem() {
        nodes("a", "b", "c");
        store.registerNode("dead");
        MigrationTask onA = placed(Tasks.task(T0.minusSeconds(60), 1), TaskState.RUNNING, "a");
        MigrationTask onB = placed(Tasks.task(T0.minusSeconds(59), 3), TaskState.RUNNING, "b");
        MigrationTask onDead = placed(Tasks.task(T0.minusSeconds(58), 5), TaskState.RUNNING, "dead");
        MigrationTask.Builder mixed = Tasks.duplicate(onA, T0).toBuilder();
        onB.files().subList(0, 2).forEach(f -> mixed.addFile(f.sourcePath(), f.targetKey()));
        onDead.files().forEach(f -> mixed.addFile(f.sourcePath(), f.targetKey()));
        MigrationTask dup = mixed.build();
        store.submit(dup);

        dispatcher(DispatchConfig.defaults()).runOnce();

        // b holds 2 of its files, a 1; the dead node's 5 do not count
        assertThat(nodeOf(dup)).isEqualTo("b");
    }

    @Test
    void aDuplicateOfATaskDispatchedEarlierInTheSameTickFollowsIt() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().affinityGroupSize(1).build();
        MigrationTask original = Tasks.task(T0, 2);
        store.submit(original);
        MigrationTask dup = Tasks.duplicate(original, T0.plusSeconds(1));
        store.submit(dup);

        dispatcher(config).runOnce();

        // groups of one would spread them over a and b; the duplicate follows its original instead
        assertThat(nodeOf(dup)).isEqualTo(nodeOf(original));
    }

    @Test
    void aFreshLeaderRebuildsTheIndexFromTheTaskRootAndSendsDuplicatesTheSameWay() {
        nodes("a", "b");
        DispatchConfig config = DispatchConfig.builder().backlogThreshold(2).inboxCap(2).build();
        TaskDispatcher first = dispatcher(config);
        MigrationTask original = Tasks.task(T0, 2);
        store.submit(original);
        assertThat(first.runOnce().epoch()).isEqualTo(1);
        String holder = nodeOf(original);
        // the node claims it and gets to its threshold
        store.move(store.find(original.id()).orElseThrow(), TaskState.RUNNING, holder);
        placed(Tasks.task(T0.minusSeconds(10), 1), TaskState.INBOX, holder);

        // another node takes over: epoch 2, an index built from nothing but the task root
        TestElection otherElection = new TestElection("other", LeadershipState.LEADER);
        LeaderGate otherGate = new LeaderGate(otherElection, root, config, time.ticker());
        TaskDispatcher other = TaskDispatcher.builder().store(store).membership(membership).gate(otherGate)
                .config(config).clock(time.clock()).build();
        MigrationTask dup = Tasks.duplicate(original, T0.plusSeconds(1));
        store.submit(dup);
        DispatchReport r = other.runOnce();

        assertThat(r.epoch()).isEqualTo(2);
        assertThat(nodeOf(dup)).isEqualTo(holder);
        assertThat(other.inFlightTasks()).isEqualTo(3);

        // the first leader loses leadership and forgets; in a new epoch it rebuilds the same answer
        otherElection.set(LeadershipState.NOT_LEADER);
        election.set(LeadershipState.NOT_LEADER);
        assertThat(first.runOnce().stopped()).isTrue();
        assertThat(first.inFlightTasks()).isZero();
        election.set(LeadershipState.LEADER);
        MigrationTask dup2 = Tasks.duplicate(original, T0.plusSeconds(2));
        store.submit(dup2);
        DispatchReport again = first.runOnce();
        assertThat(again.epoch()).isEqualTo(3);
        assertThat(nodeOf(dup2)).isEqualTo(holder);
    }

    @Test
    void aTaskThatLeftRunningIsDroppedFromTheIndex() {
        nodes("a", "b");
        TaskDispatcher d = dispatcher(DispatchConfig.defaults());
        MigrationTask original = placed(Tasks.task(T0.minusSeconds(60), 2), TaskState.RUNNING, "a");
        placed(Tasks.task(T0.minusSeconds(59), 1), TaskState.RUNNING, "a");
        placed(Tasks.task(T0.minusSeconds(58), 1), TaskState.RUNNING, "a");
        Tasks.submit(store, T0, 1); // goes to b, the index is built on the way
        d.runOnce();
        assertThat(d.inFlightTasks()).isEqualTo(4);

        // the original finishes (done, then archived)
        store.move(store.find(original.id()).orElseThrow(), TaskState.PENDING, null);
        store.move(store.find(original.id()).orElseThrow(), TaskState.ARCHIVED, null);
        MigrationTask dup = Tasks.duplicate(original, T0.plusSeconds(1));
        store.submit(dup);
        d.runOnce();

        // no longer a duplicate of anything in flight: smallest backlog (b: 1, a: 2)
        assertThat(nodeOf(dup)).isEqualTo("b");
        assertThat(d.inFlightTasks()).isEqualTo(4); // 2 on a, 2 on b; the original is gone
    }

    @Test
    void aTaskMovedByTheReclaimerIsFollowedToItsNewNode() {
        nodes("a", "b");
        TaskDispatcher d = dispatcher(DispatchConfig.defaults());
        MigrationTask original = placed(Tasks.task(T0.minusSeconds(60), 2), TaskState.INBOX, "a");
        Tasks.submit(store, T0, 1);
        d.runOnce(); // indexed on a
        // rebalanced from a's inbox to b's
        store.move(store.find(original.id()).orElseThrow(), TaskState.INBOX, "b");
        placed(Tasks.task(T0.minusSeconds(50), 1), TaskState.RUNNING, "b");
        placed(Tasks.task(T0.minusSeconds(49), 1), TaskState.RUNNING, "b");
        MigrationTask dup = Tasks.duplicate(original, T0.plusSeconds(1));
        store.submit(dup);

        d.runOnce();

        assertThat(nodeOf(dup)).isEqualTo("b");
    }

    @Test
    void unreadablePendingTasksAreDispatchedNormally() throws Exception {
        nodes("a");
        String id = TaskIds.newId(T0);
        Files.writeString(root.resolve("pending").resolve(id + ".json"), "{ not json");

        DispatchReport r = dispatcher(DispatchConfig.defaults()).runOnce();

        assertThat(r.dispatched()).isEqualTo(1);
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).containsExactly(id);
    }

    @Test
    void aPendingNameWithAnImpossibleDateDoesNotStopTheTick() throws Exception {
        nodes("a");
        // month 13: looks like an id digit for digit; parsing its time threw out of the tick before
        Files.writeString(root.resolve("pending").resolve("20261325T081855123Z-0123456789ab.json"), "{ not json");
        String good = store.submit(MigrationTask.builder().id(TaskIds.newId(T0)).sourceRoot("/src")
                .addFile("f", "f").build()).taskId();

        DispatchReport r = dispatcher(DispatchConfig.defaults()).runOnce();

        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).contains(good);
        assertThat(r.dispatched()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void choosesSmallestBacklogAndRoundRobinsOnTies() {
        nodes("a", "b", "c");
        // b already has 3 tasks: a and c tie at 0
        for (String id : Tasks.submit(store, T0.minusSeconds(60), 3)) {
            store.move(store.find(id).orElseThrow(), TaskState.INBOX, "b");
        }
        Tasks.submit(store, T0, 10);

        dispatcher(DispatchConfig.defaults()).runOnce();

        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).hasSize(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "c")).hasSize(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "b")).hasSize(3);
    }

    @Test
    void rotatesAmongEquallyLoadedNodesAcrossTicks() {
        nodes("a", "b", "c");
        TaskDispatcher d = dispatcher(DispatchConfig.defaults());
        List<String> receivers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = Tasks.submit(store, T0.plusSeconds(i), 1).get(0);
            d.runOnce();
            var ref = store.find(id).orElseThrow();
            receivers.add(ref.node());
            // the node finishes it at once: all three are equally loaded again
            store.move(ref, TaskState.PENDING, null);
            store.move(store.find(id).orElseThrow(), TaskState.ARCHIVED, null);
        }
        assertThat(receivers).containsExactly("a", "b", "c", "a");
    }

    @Test
    void neverFillsAnInboxAboveItsCapNorABacklogAboveTheThreshold() {
        nodes("a", "b");
        Tasks.submit(store, T0, 30);
        DispatchConfig config = DispatchConfig.builder().inboxCap(8).backlogThreshold(7).build();
        // a has 2 running tasks: its room is 7 - 2 = 5; b's is 7
        for (String id : Tasks.submit(store, T0.minusSeconds(60), 2)) {
            store.move(store.find(id).orElseThrow(), TaskState.RUNNING, "a");
        }

        DispatchReport r = dispatcher(config).runOnce();

        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).hasSize(5);
        assertThat(Tasks.ids(store, TaskState.INBOX, "b")).hasSize(7);
        assertThat(r.dispatched()).isEqualTo(12);
        assertThat(r.unplaceable()).isEqualTo(18);
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(18);
    }

    @Test
    void leavesTasksWhoseEligibilityIsInTheFuture() {
        nodes("a");
        List<String> now = Tasks.submit(store, T0, 2);
        List<String> later = Tasks.submit(store, time.now().plusSeconds(30), 2);

        dispatcher(DispatchConfig.defaults()).runOnce();
        assertThat(Tasks.ids(store, TaskState.INBOX, "a")).containsExactlyElementsOf(now);
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).containsExactlyElementsOf(later);

        time.advance(Duration.ofSeconds(31));
        dispatcher(DispatchConfig.defaults()).runOnce();
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).isEmpty();
    }

    @Test
    void countsTasksThatCannotBePlacedWhenNoNodeLives() {
        Tasks.submit(store, T0, 4);

        TaskDispatcher d = dispatcher(DispatchConfig.defaults());
        DispatchReport r = d.runOnce();

        assertThat(r.unplaceable()).isEqualTo(4);
        assertThat(d.lastUnplaceable()).isEqualTo(4);
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(4);
    }

    @Test
    void notifiesEachNodeOnceAndSurvivesAFailingNotifier() {
        nodes("a", "b");
        Tasks.submit(store, T0, 20);

        dispatcher(DispatchConfig.defaults()).runOnce();

        assertThat(notified.get("a")).hasSize(1);
        assertThat(notified.get("b")).hasSize(1);
        assertThat(notified.get("a").get(0)).containsExactlyElementsOf(Tasks.ids(store, TaskState.INBOX, "a"));

        LeaderGate gate = new LeaderGate(election, root, DispatchConfig.defaults(), time.ticker());
        TaskDispatcher failing = TaskDispatcher.builder().store(store).membership(membership).gate(gate)
                .clock(time.clock()).notifier((n, ids) -> {
                    throw new IllegalStateException("notification transport down");
                }).build();
        store.registerNode("c");
        membership.setLive("c");
        Tasks.submit(store, T0.plusSeconds(1), 3);
        assertThat(failing.runOnce().dispatched()).isEqualTo(3);
    }

    @Test
    void doesNothingUnlessLeader() {
        nodes("a");
        Tasks.submit(store, T0, 3);
        TaskDispatcher d = dispatcher(DispatchConfig.defaults());

        election.set(LeadershipState.UNKNOWN);
        assertThat(d.runOnce().stopped()).isTrue();
        election.set(LeadershipState.NOT_LEADER);
        assertThat(d.runOnce().stopped()).isTrue();
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(3);

        election.set(LeadershipState.LEADER);
        assertThat(d.runOnce().dispatched()).isEqualTo(3);
    }

    @Test
    void stopsAtOnceWhenRevalidationSaysUnknown() {
        nodes("a");
        Tasks.submit(store, T0, 10);
        TaskDispatcher d = dispatcher(DispatchConfig.defaults());
        // LEADER from the cached state, but the fresh check before the first batch says UNKNOWN
        election.onRevalidate(() -> LeadershipState.UNKNOWN);

        DispatchReport r = d.runOnce();

        assertThat(r.stopped()).isTrue();
        assertThat(r.dispatched()).isZero();
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(10);
    }

    @Test
    void stopsBetweenGroupsWhenLeadershipIsLostMidTick() {
        nodes("a", "b");
        Tasks.submit(store, T0, 10);
        TaskDispatcher d = dispatcher(DispatchConfig.defaults());
        int[] checks = {0};
        election.onRevalidate(() -> ++checks[0] == 1 ? LeadershipState.LEADER : LeadershipState.NOT_LEADER);

        DispatchReport r = d.runOnce();

        assertThat(r.dispatched()).isEqualTo(5);
        assertThat(r.stopped()).isTrue();
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(5);
    }

    @Test
    void isFencedByAHigherEpochAndRetakesOneAfterTheBackoff() throws Exception {
        nodes("a");
        DispatchConfig config = DispatchConfig.builder().fencedBackoff(Duration.ofSeconds(60)).build();
        TaskDispatcher d = dispatcher(config);
        Tasks.submit(store, T0, 1);
        assertThat(d.runOnce().epoch()).isEqualTo(1);

        // another node took epoch 2 (its election also says LEADER: split brain)
        Files.createDirectory(root.resolve("epochs").resolve("2"));
        Tasks.submit(store, T0.plusSeconds(1), 3);
        DispatchReport fenced = d.runOnce();
        assertThat(fenced.stopped()).isTrue();
        assertThat(fenced.dispatched()).isZero();
        assertThat(d.runOnce().epoch()).isZero(); // still backing off
        assertThat(Tasks.ids(store, TaskState.PENDING, null)).hasSize(3);

        time.advance(Duration.ofSeconds(61));
        DispatchReport again = d.runOnce();
        assertThat(again.epoch()).isEqualTo(3);
        assertThat(again.dispatched()).isEqualTo(3);
    }

    @Test
    void ticksOnItsOwnNamedThreadUntilClosed() {
        nodes("a");
        DispatchConfig config = DispatchConfig.builder().dispatchTick(Duration.ofMillis(20)).build();
        TaskDispatcher d = dispatcher(config);
        d.start();
        Tasks.submit(store, T0, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> Tasks.ids(store, TaskState.INBOX, "a").size() == 2);
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().startsWith("migrate-dispatcher-"));

        d.close();
        d.close();

        Tasks.submit(store, T0.plusSeconds(1), 1);
        assertThat(d.runOnce().dispatched()).isEqualTo(1); // runOnce still works on the caller's thread
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                t -> t.isAlive() && t.getName().startsWith("migrate-dispatcher-"));
    }

    @Test
    void twoGatesRacingForTheSameEpochGetDifferentNumbers() {
        TestElection other = new TestElection("other", LeadershipState.LEADER);
        LeaderGate g1 = new LeaderGate(election, root, DispatchConfig.defaults(), time.ticker());
        LeaderGate g2 = new LeaderGate(other, root, DispatchConfig.defaults(), time.ticker());

        long e1 = g1.enter().getAsLong();
        long e2 = g2.enter().getAsLong();

        assertThat(e2).isGreaterThan(e1);
        assertThat(g1.checkBatch()).isFalse();
        assertThat(g1.fencings()).isEqualTo(1);
        assertThat(g2.checkBatch()).isTrue();
    }
}
