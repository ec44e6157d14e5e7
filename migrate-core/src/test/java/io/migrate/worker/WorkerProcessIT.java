package io.migrate.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.dispatch.DispatchConfig;
import io.migrate.dispatch.LeaderGate;
import io.migrate.dispatch.TaskDispatcher;
import io.migrate.dispatch.TaskReclaimer;
import io.migrate.dispatch.Tasks;
import io.migrate.ha.file.HeartbeatFileMembership;
import io.migrate.ha.fixed.FixedLeaderElection;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskEvent;
import io.migrate.task.TaskState;
import io.migrate.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three worker JVMs on one task root, the leader in this JVM with the real store, heartbeat
 * files and a fixed election; one worker is SIGKILLed while it executes a task. Every task must
 * end in done/ exactly once.
 */
class WorkerProcessIT {
    private static final int TASKS = 30;

    @TempDir
    Path root;

    @Test
    void aWorkerKilledMidTaskLosesNothingAndEveryTaskIsDoneExactlyOnce() throws Exception {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        List<String> ids = new ArrayList<>();
        Instant first = Instant.now().minusSeconds(60);
        for (int i = 0; i < TASKS; i++) {
            MigrationTask t = Tasks.task(first.plusMillis(i), 4);
            store.submit(t);
            ids.add(t.id());
        }
        List<String> workers = List.of("w1", "w2", "w3");
        workers.forEach(store::registerNode);
        DispatchConfig config = DispatchConfig.builder().dispatchTick(Duration.ofMillis(200))
                .reclaimTick(Duration.ofSeconds(1)).nodeLease(Duration.ofSeconds(2)).reclaimGrace(Duration.ofSeconds(3))
                .affinityGroupSize(2).backlogThreshold(4).inboxCap(4).build();
        Path logs = root.resolve("logs");
        List<ChildJvm> children = new ArrayList<>();
        try (HeartbeatFileMembership membership = HeartbeatFileMembership.builder().nodeId("leader").taskRoot(root)
                        .heartbeatInterval(Duration.ofMillis(200)).nodeLease(Duration.ofSeconds(2)).knownNodes(workers)
                        .build();
                FixedLeaderElection election = new FixedLeaderElection("leader", "leader");
                LeaderGate gate = LeaderGate.create(election, root, config);
                TaskDispatcher dispatcher = TaskDispatcher.builder().store(store).membership(membership).gate(gate)
                        .config(config).build();
                TaskReclaimer reclaimer = TaskReclaimer.builder().store(store).membership(membership).gate(gate)
                        .config(config).build()) {
            for (String w : workers) {
                children.add(ChildJvm.start(w, logs, WorkerProcessMain.class, List.of("-Xmx128m"),
                        root.toString(), w, "150"));
            }
            membership.start();
            election.start();
            gate.start();
            dispatcher.start();
            reclaimer.start();

            // kill w2 while it executes a task (its running/ holds one and it has made progress)
            ChildJvm victim = children.get(1);
            await().atMost(Duration.ofSeconds(60)).until(() -> !Tasks.ids(store, TaskState.RUNNING, "w2").isEmpty()
                    && executionsOf("w2") > 0);
            victim.kill();
            assertThat(victim.isAlive()).isFalse();
            // what it held when it died (read after the kill: nothing moves in its running/ now)
            List<String> killedRunning = Tasks.ids(store, TaskState.RUNNING, "w2");
            assertThat(killedRunning).as("w2 died holding a running task").isNotEmpty();

            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Tasks.ids(store, TaskState.DONE, null).size() >= TASKS && unfinished(store) == 0);

            List<String> done = Tasks.ids(store, TaskState.DONE, null);
            assertThat(done).hasSize(TASKS).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
            assertThat(Tasks.ids(store, TaskState.PENDING, null)).isEmpty();
            assertThat(Tasks.ids(store, TaskState.FAILED, null)).isEmpty();
            // the task w2 was running when it died was taken back and finished by another node
            List<String> stillRunning = killedRunning.stream().filter(id -> !done.contains(id)).toList();
            assertThat(stillRunning).isEmpty();
            String reclaimedId = killedRunning.get(0);
            StoredTask reclaimed = store.read(store.find(reclaimedId).orElseThrow()).orElseThrow();
            assertThat(reclaimed.history()).anySatisfy(e -> {
                assertThat(e.type()).isEqualTo(TaskEvent.Type.RECLAIMED_DEAD_NODE);
                assertThat(e.fromNode()).isEqualTo("w2");
            });
            assertThat(reclaimed.result().orElseThrow().node()).isIn("w1", "w3");
            Map<String, Long> runsPerTask = executions().stream()
                    .collect(Collectors.groupingBy(n -> n.substring(0, n.indexOf('.')), Collectors.counting()));
            assertThat(runsPerTask.get(reclaimedId)).isGreaterThanOrEqualTo(2); // started on w2, re-run elsewhere
            assertThat(reclaimer.reclaimed()).isPositive();
        } finally {
            for (ChildJvm c : children) {
                c.close();
            }
        }
    }

    private long executionsOf(String node) throws Exception {
        return executions().stream().filter(n -> n.contains("." + node + ".")).count();
    }

    private List<String> executions() throws Exception {
        Path dir = root.resolve("executions");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static long unfinished(DirectoryTaskStore store) {
        Set<String> busy = new HashSet<>(Tasks.ids(store, TaskState.PENDING, null));
        for (TaskState s : List.of(TaskState.INBOX, TaskState.RUNNING)) {
            busy.addAll(Tasks.ids(store, s, null));
        }
        return busy.size();
    }

}
