package io.migrate.task;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dumps every thread's stack of this JVM, and asks each registered child JVM for its own dump
 * ({@code SIGQUIT}: the JVM prints it to its output, which the test keeps), when a scenario runs
 * past its deadline, so a hang on a cluster filesystem shows where it is stuck. Owns one daemon
 * thread, stopped by {@link #close()}.
 */
final class HangWatchdog implements AutoCloseable {
    private final Thread thread;
    private final Set<Long> children = ConcurrentHashMap.newKeySet();
    private volatile boolean fired;

    HangWatchdog(String scenario, java.time.Duration deadline) {
        this.thread = new Thread(() -> {
            try {
                Thread.sleep(deadline.toMillis()); // the deadline itself, not synchronisation
            } catch (InterruptedException e) {
                return; // closed in time
            }
            fired = true;
            StringBuilder sb = new StringBuilder("WATCHDOG: " + scenario + " still running after " + deadline
                    + "; thread stacks:\n");
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                sb.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
                for (StackTraceElement s : e.getValue()) {
                    sb.append("\tat ").append(s).append('\n');
                }
            }
            System.out.println(sb);
            for (long pid : children) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    try {
                        new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start().waitFor();
                    } catch (Exception ex) {
                        System.out.println("WATCHDOG: cannot signal " + pid + ": " + ex);
                    }
                });
            }
        }, "hang-watchdog-" + scenario);
        thread.setDaemon(true);
        thread.start();
    }

    /** @param pid a child JVM to ask for a thread dump when the deadline passes */
    void watch(long pid) {
        children.add(pid);
    }

    /** @return whether the deadline passed */
    boolean fired() {
        return fired;
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join(5000);
    }
}
