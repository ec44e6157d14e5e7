package io.migrate.ha.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

class SerialNotifierTest {

    @Test
    void deliversInPublishOrderOnOneNamedThreadAndSurvivesAThrowingListener() {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (SerialNotifier<IntConsumer> n = new SerialNotifier<>("ha-test")) {
            n.add(i -> {
                throw new IllegalStateException("listener bug " + i);
            });
            n.add(i -> {
                seen.add(i);
                threads.add(Thread.currentThread().getName());
            });
            for (int i = 0; i < 200; i++) {
                int v = i;
                n.publish(l -> l.accept(v));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 200);
        }
        assertThat(seen).isSorted().doesNotHaveDuplicates();
        assertThat(threads).allMatch(t -> t.equals(threads.get(0)));
        assertThat(threads.get(0)).startsWith("migrate-ha-test-");
    }

    @Test
    void closeDeliversWhatIsQueuedAndDropsLaterPublications() {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        SerialNotifier<IntConsumer> n = new SerialNotifier<>("ha-test");
        n.add(seen::add);
        n.publish(l -> l.accept(1));
        n.close();
        n.close();
        n.publish(l -> l.accept(2));
        assertThat(seen).containsExactly(1);
    }
}
