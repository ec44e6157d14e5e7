package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a submitting child JVM with SIGKILL at random points, many times over, then checks the
 * task root: every task in pending/ is whole and valid, every task whose submit returned is
 * there, and what a crash left in incoming/ is only temporary files the cleaner removes.
 * Seed: {@code -Dmigrate.test.seed=N} repeats a run.
 */
class SubmitCrashTest {
    private static final int KILLS = 15;

    @TempDir
    Path root;

    @Test
    void killedSubmitterLeavesNoTornTaskAndLosesNoAcknowledgedOne() throws Exception {
        long seed = Long.getLong("migrate.test.seed", System.nanoTime());
        System.out.println("SubmitCrashTest seed=" + seed + " (-Dmigrate.test.seed=" + seed + " to repeat)");
        Random random = new Random(seed);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        Set<String> acknowledged = new HashSet<>();

        for (int round = 0; round < KILLS; round++) {
            int acksBeforeKill = 1 + random.nextInt(6);
            try (ChildJvm child = ChildJvm.start("submitter-" + round, root.resolve("logs"), SubmitChild.class,
                    List.of("-Xmx96m"), root.toString(),
                    Integer.toString(round))) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
                        .until(() -> acks(child).size() >= acksBeforeKill);
                child.kill();
                acknowledged.addAll(acks(child));
            }
        }

        Set<String> inPending = new HashSet<>();
        try (Stream<TaskRef> s = store.list(TaskState.PENDING)) {
            for (TaskRef ref : (Iterable<TaskRef>) s::iterator) {
                // read() validates: a torn file would throw InvalidTaskException here.
                StoredTask t = store.read(ref).orElseThrow();
                assertThat(t.task().files()).hasSize(50);
                inPending.add(ref.taskId());
            }
        }
        long temps;
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            temps = s.count();
        }
        System.out.println("SubmitCrashTest: " + KILLS + " kills, " + acknowledged.size() + " acknowledged, "
                + inPending.size() + " in pending, " + temps + " temporary files left in incoming/");
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(KILLS);
        assertThat(inPending).containsAll(acknowledged);
        // Anything else in incoming/ is a temporary file of an unacknowledged submit.
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertThat(s.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith(".") && n.endsWith(".tmp"));
        }
        DirectoryTaskStore later = DirectoryTaskStore.builder().root(root)
                .clock(Clock.offset(Clock.system(ZoneOffset.UTC), Duration.ofHours(2))).build();
        later.cleanStaleIncoming(Duration.ofHours(1));
        try (Stream<Path> s = Files.list(root.resolve("incoming"))) {
            assertThat(s).isEmpty();
        }
        assertThat(store.count(TaskState.PENDING, null)).isEqualTo(inPending.size());
    }

    /** Complete lines only: the line being printed when the kill came does not count. */
    private static Set<String> acks(ChildJvm child) throws java.io.IOException {
        String out = child.output();
        int end = out.lastIndexOf('\n');
        if (end < 0) {
            return Set.of();
        }
        return out.substring(0, end).lines().filter(l -> l.startsWith("ACK ")).map(l -> l.substring(4))
                .collect(Collectors.toSet());
    }
}
