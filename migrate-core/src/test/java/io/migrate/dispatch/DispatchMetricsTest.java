package io.migrate.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migrate.ha.spi.LeadershipState;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskState;
import io.migrate.worker.Worker;
import io.migrate.worker.WorkerMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DispatchMetricsTest {
    @TempDir
    Path root;

    @Test
    void exposesDispatchedTasksLostRacesEpochAndWorkerOutcomes() {
        FakeTime time = new FakeTime(Instant.parse("2026-11-25T09:00:00Z"));
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).clock(time.clock()).syncDirectories(false)
                .build();
        TestElection election = new TestElection("m1", LeadershipState.LEADER);
        TestMembership membership = new TestMembership();
        store.registerNode("a");
        membership.setLive("a");
        DispatchConfig config = DispatchConfig.builder().reclaimGrace(Duration.ZERO).build();
        LeaderGate gate = new LeaderGate(election, root, config, time.ticker());
        TaskDispatcher dispatcher = TaskDispatcher.builder().store(store).membership(membership).gate(gate)
                .config(config).clock(time.clock()).build();
        // before the reclaimer's first move, someone else (a second leader) moves that task first
        boolean[] raced = {false};
        InterleavingStore racing = new InterleavingStore(store, ref -> {
            if (!raced[0] && ref.state() == TaskState.INBOX) {
                raced[0] = true;
                store.move(ref, TaskState.PENDING, null);
            }
        });
        TaskReclaimer reclaimer = TaskReclaimer.builder().store(racing).membership(membership).gate(gate)
                .config(config).clock(time.clock()).nanoTicker(time.ticker()).build();
        Worker worker = Worker.builder().node("a").store(store).executionExecutor(Runnable::run)
                .taskExecutor((task, ctx) -> null).clock(time.clock()).nanoTicker(time.ticker()).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DispatchMetrics.bind(registry, gate, dispatcher, reclaimer);
        WorkerMetrics.bind(registry, worker);

        Tasks.submit(store, time.now().minusSeconds(10), 3);
        dispatcher.runOnce();
        membership.setLive(); // node a dies
        reclaimer.runOnce();

        assertThat(registry.get("migrate.dispatch.tasks").functionCounter().count()).isEqualTo(3);
        assertThat(registry.get("migrate.leader.epoch").gauge().value()).isEqualTo(1);
        assertThat(registry.get("migrate.reclaim.tasks").tag("reason", "reclaimed").functionCounter().count())
                .isEqualTo(2);
        assertThat(registry.get("migrate.leader.lost.races").tag("component", "reclaimer").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get("migrate.leader.lost.races").tag("component", "dispatcher").functionCounter().count())
                .isZero();
        assertThat(registry.get("migrate.worker.tasks").tag("outcome", "completed").functionCounter().count()).isZero();
        assertThat(registry.get("migrate.worker.executing").gauge().value()).isZero();
    }
}
