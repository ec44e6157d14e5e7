package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.migrate.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight threads and a second JVM race to take the same pending tasks, each into its own node's
 * inbox. Every task must end owned exactly once: one winner, one file, in the winner's inbox.
 */
class TaskOwnershipRaceTest {
    private static final int TASKS = 200;
    private static final int THREADS = 8;

    @TempDir
    Path root;

    @Test
    void eightThreadsAndASecondJvmTakeEachTaskExactlyOnce() throws Exception {
        raceAndCheck(root, root, pid -> { });
    }

    /**
     * The race and its checks; {@code CephFsIT} runs it with the threads on one CephFS mount and
     * the second JVM on the other.
     *
     * @param root the task root as this JVM's threads see it
     * @param childRoot the same task root as the second JVM sees it
     * @param onChild told the second JVM's pid (a hang watchdog)
     * @return the second JVM's output (its {@code SLOW <count> <longest ms>} line included)
     */
    static String raceAndCheck(Path root, Path childRoot, java.util.function.LongConsumer onChild) throws Exception {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            ids.add(store.submit(TestTasks.task(2)).taskId());
        }
        for (int t = 0; t < THREADS; t++) {
            store.registerNode("t" + t);
        }
        store.registerNode("jvm");
        Path go = root.resolve("go");
        String childOutput;

        Map<String, List<String>> wins = new HashMap<>();
        int[] attempts = new int[THREADS];
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (ChildJvm child = ChildJvm.start("race-child", root.resolve("logs"), RaceChild.class, List.of("-Xmx128m"),
                childRoot.toString(), "jvm", childRoot.resolve("go").toString())) {
            onChild.accept(child.pid());
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> child.output().contains("READY"));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int n = t;
                futures.add(pool.submit(() -> {
                    List<String> won = new ArrayList<>();
                    start.await();
                    attempts[n] = race(store, "t" + n, won);
                    return won;
                }));
            }
            Files.createFile(go);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2))
                    .until(() -> child.output().contains("STARTED"));
            start.countDown();
            for (int t = 0; t < THREADS; t++) {
                wins.put("t" + t, futures.get(t).get());
            }
            assertThat(child.awaitExit(Duration.ofSeconds(120))).isZero();
            List<String> childWins = child.output().lines().filter(l -> l.startsWith("MOVED "))
                    .map(l -> l.substring(6)).collect(Collectors.toList());
            wins.put("jvm", childWins);
            int childAttempts = child.output().lines().filter(l -> l.startsWith("ATTEMPTS "))
                    .mapToInt(l -> Integer.parseInt(l.substring(9))).findFirst().orElseThrow();
            System.out.println("race: child attempts " + childAttempts + ", thread attempts " + Arrays.toString(attempts));
            // More attempts than tasks: racers really met on the same files.
            assertThat(childAttempts + Arrays.stream(attempts).sum()).isGreaterThan(TASKS);
            childOutput = child.output();
        } finally {
            pool.shutdownNow();
        }

        Map<String, String> owner = new HashMap<>();
        Map<String, Integer> winsPerTask = new HashMap<>();
        wins.forEach((node, won) -> won.forEach(id -> {
            owner.put(id, node);
            winsPerTask.merge(id, 1, Integer::sum);
        }));
        System.out.println("race wins per racer: " + wins.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().size()).sorted().collect(Collectors.joining(", ")));
        assertThat(winsPerTask.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(winsPerTask.values()).allMatch(n -> n == 1);
        assertThat(wins.values().stream().mapToInt(List::size).sum()).isEqualTo(TASKS);
        assertThat(store.count(TaskState.PENDING, null)).isZero();
        try (Stream<TaskRef> inboxes = store.list(TaskState.INBOX)) {
            Map<String, String> location = new HashMap<>();
            inboxes.forEach(r -> assertThat(location.put(r.taskId(), r.node())).as("second copy of " + r.taskId()).isNull());
            assertThat(location).isEqualTo(owner);
        }
        System.out.println("race: this JVM's slow filesystem calls " + store.slowCalls());
        return childOutput;
    }

    /**
     * Moves every pending task it can to the node's inbox until none is left.
     *
     * @return how many moves it attempted
     */
    static int race(TaskStore store, String node, List<String> won) {
        int attempts = 0;
        List<TaskRef> refs = RaceChild.pending(store);
        while (!refs.isEmpty()) {
            // Racers walk the listing from different places so that every pair meets somewhere.
            Collections.rotate(refs, Math.floorMod(node.hashCode(), refs.size()));
            for (TaskRef ref : refs) {
                attempts++;
                if (store.move(ref, TaskState.INBOX, node) == MoveOutcome.MOVED) {
                    won.add(ref.taskId());
                }
            }
            refs = RaceChild.pending(store);
        }
        return attempts;
    }
}
