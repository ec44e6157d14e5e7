package io.migrate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CephFS runs' hang watchdog: a dump must hold the stacks of the test JVM and of each watched child. */
class HangWatchdogTest {
    @TempDir
    Path dir;

    @Test
    void aDumpHoldsTheStacksOfTheTestJvmAndOfEveryWatchedChild() throws Exception {
        try (ChildJvm child = ChildJvm.start("idle", dir, Idle.class, List.of("-Xmx32m"));
                HangWatchdog w = new HangWatchdog("watchdog test", Duration.ofHours(1))) {
            await().atMost(Duration.ofMinutes(1)).until(() -> child.output().contains("READY"));
            w.watchAll(() -> List.of(child.pid()));
            assertThat(w.fired()).isFalse();
            String dump = w.dump("on demand");
            assertThat(dump).contains("aDumpHoldsTheStacksOfTheTestJvmAndOfEveryWatchedChild")
                    .contains("jcmd " + child.pid() + " Thread.print").contains(Idle.class.getName() + ".main");
            assertThat(w.fired()).isTrue();
        }
    }

    /** A child JVM that waits for input that never comes. */
    public static final class Idle {
        public static void main(String[] args) throws IOException {
            System.out.println("READY");
            System.out.flush();
            System.in.read(); // blocks until the test kills this JVM
        }
    }
}
