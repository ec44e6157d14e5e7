package io.migrate.examples.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Inside a node process of {@link BackendPauseIT}: stops the whole JVM with {@code SIGSTOP} at a
 * chosen point of the data path (before a range write, before the last step ahead of a commit,
 * right before a commit request, before publishing a result), so a pause lands exactly where
 * random timing almost never does. The test process sees the JVM stopped and resumes it with
 * {@code SIGCONT} after longer than the node lease.
 *
 * <p>Configured by system properties of the node JVM: {@code migrate.e2e.pause.flag} (a file
 * naming the points that may pause now, separated by spaces: the scenario removes a point once it
 * has paused a backend there, and the file when none is left), {@code migrate.e2e.pause.seed} and
 * {@code migrate.e2e.pause.node} (the scenario's seed and the node incarnation: reproducible). An
 * enabled point pauses every 1-3rd time it is reached, one JVM at most once per
 * {@link #MIN_GAP_NANOS}. Before stopping
 * it prints {@code E2E-SELF-PAUSE <point> <what>} so the scenario can count where pauses landed.
 *
 * <p>Thread-safe: one lock; a thread holding it while the JVM is stopped holds up nobody, since
 * every thread is stopped.
 */
final class SelfPause {
    static final String MARK = "E2E-SELF-PAUSE";
    private static final long MIN_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Path FLAG = Path.of(System.getProperty("migrate.e2e.pause.flag", "/nonexistent/flag"));
    private static final Random RANDOM = new Random(Long.getLong("migrate.e2e.pause.seed", 1L)
            ^ System.getProperty("migrate.e2e.pause.node", "").hashCode());
    private static final Map<String, Integer> COUNTDOWN = new HashMap<>();
    private static long lastPauseNanos = System.nanoTime();

    private SelfPause() {
    }

    /**
     * Stops this JVM if it is the point's turn.
     *
     * @param point where ({@code attempt-start}, {@code write}, {@code before-commit}, {@code commit},
     *     {@code publish})
     * @param what the key or task, for the log
     */
    static synchronized void at(String point, String what) {
        String enabled;
        try {
            enabled = " " + Files.readString(FLAG).replace('\n', ' ') + " ";
        } catch (IOException e) {
            return; // no flag: no pauses
        }
        if (!enabled.contains(" " + point + " ")) {
            return;
        }
        int left = COUNTDOWN.merge(point, -1, Integer::sum);
        if (left > 0) {
            return;
        }
        if (System.nanoTime() - lastPauseNanos < MIN_GAP_NANOS) {
            COUNTDOWN.put(point, 1); // this point's turn stays due
            return;
        }
        COUNTDOWN.put(point, 1 + RANDOM.nextInt(3));
        System.out.println(MARK + " " + point + " " + what);
        System.out.flush();
        try {
            new ProcessBuilder("kill", "-STOP", Long.toString(ProcessHandle.current().pid())).start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot stop this JVM", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lastPauseNanos = System.nanoTime();
    }

    static {
        // the first pause of each point comes early: a short scenario must see every point
        for (String p : new String[] {"attempt-start", "write", "before-commit", "commit", "publish"}) {
            COUNTDOWN.put(p, 1 + RANDOM.nextInt(3));
        }
    }
}
