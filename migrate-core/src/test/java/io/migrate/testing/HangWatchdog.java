package io.migrate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Dumps every thread's stack of this JVM and of each watched child JVM when a scenario runs past
 * its deadline (or when the test calls {@link #dump}, for example on a wait that saw no progress),
 * so a hang on a cluster filesystem shows where it is stuck. A child is asked with
 * {@code jcmd <pid> Thread.print} (bounded: a process stopped with {@code SIGSTOP} cannot answer),
 * and sent {@code SIGQUIT} when that fails (the JVM then prints its dump to its own output, which
 * the test keeps). Everything goes to this JVM's stdout in one piece.
 *
 * <p>Owns one daemon thread, stopped by {@link #close()}; {@link #watch} and {@link #dump} may be
 * called from any thread. Shared through the {@code migrate-core} test-jar.
 */
public final class HangWatchdog implements AutoCloseable {
    private static final long JCMD_SECONDS = 20;
    private final String scenario;
    private final Thread thread;
    private final Set<Long> children = ConcurrentHashMap.newKeySet();
    private final List<Supplier<? extends Collection<Long>>> childSources = new CopyOnWriteArrayList<>();
    private volatile boolean fired;

    /**
     * @param scenario for the dump's heading
     * @param deadline how long the scenario may run before the stacks are dumped
     */
    public HangWatchdog(String scenario, Duration deadline) {
        this.scenario = scenario;
        this.thread = new Thread(() -> {
            try {
                Thread.sleep(deadline.toMillis()); // the deadline itself, not synchronisation
            } catch (InterruptedException e) {
                return; // closed in time
            }
            dump("still running after " + deadline);
        }, "hang-watchdog-" + scenario);
        thread.setDaemon(true);
        thread.start();
    }

    /** @param pid a child JVM to dump too */
    public void watch(long pid) {
        children.add(pid);
    }

    /** @param pids the child JVMs to dump too, asked again at each dump (processes come and go) */
    public void watchAll(Supplier<? extends Collection<Long>> pids) {
        childSources.add(pids);
    }

    /** @return whether a dump was taken */
    public boolean fired() {
        return fired;
    }

    /**
     * Dumps the stacks now.
     *
     * @param why for the dump's heading
     * @return what was printed
     */
    public String dump(String why) {
        fired = true;
        StringBuilder sb = new StringBuilder("WATCHDOG: " + scenario + " " + why + "; thread stacks of the test JVM:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            sb.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement s : e.getValue()) {
                sb.append("\tat ").append(s).append('\n');
            }
        }
        Set<Long> pids = new TreeSet<>(children);
        for (Supplier<? extends Collection<Long>> s : childSources) {
            pids.addAll(s.get());
        }
        for (long pid : pids) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                sb.append(dumpChild(pid)).append('\n');
            }
        }
        System.out.println(sb);
        return sb.toString();
    }

    private static String dumpChild(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            // to a file, not a pipe: a dump larger than the pipe's buffer would block jcmd
            Path out = Files.createTempFile("jcmd-" + pid + "-", ".txt");
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (p.waitFor(JCMD_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return "WATCHDOG: jcmd " + pid + " Thread.print:\n" + Files.readString(out, StandardCharsets.UTF_8);
                }
                p.destroyForcibly();
            } finally {
                Files.deleteIfExists(out);
            }
            new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start().waitFor();
            return "WATCHDOG: jcmd " + pid + " gave no dump in " + JCMD_SECONDS
                    + " s (stopped?); sent SIGQUIT (the dump is in the child's output once it runs)";
        } catch (IOException e) {
            return "WATCHDOG: cannot dump " + pid + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "WATCHDOG: interrupted while dumping " + pid;
        }
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(5000);
    }
}
