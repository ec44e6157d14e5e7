package io.migrate.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class on this test's classpath, for crash tests: start it, read
 * what it prints, kill it with SIGKILL. Output goes to a file so a slow reader never blocks
 * the child. Closing it kills the process if still alive.
 *
 * <p>Shared by every module's tests through the {@code migrate-core} test-jar.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final String name;

    private ChildJvm(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code mainClass} with the current classpath.
     *
     * @param name label used in failure messages
     * @param logDir where {@code <name>.out} (stdout and stderr) is written
     * @param mainClass the class whose {@code main} runs
     * @param jvmArgs extra JVM arguments (for example {@code -Xmx256m}, {@code -Dkey=value})
     * @param args program arguments
     * @return the running child
     * @throws IOException if it cannot be started
     */
    public static ChildJvm start(String name, Path logDir, Class<?> mainClass, List<String> jvmArgs, String... args)
            throws IOException {
        Files.createDirectories(logDir);
        Path out = logDir.resolve(name + ".out");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass.getName());
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new ChildJvm(name, p, out);
    }

    private static String classpath() {
        String cp = System.getProperty("java.class.path");
        // Surefire may run tests from a manifest-only jar; the real classpath is then in this property.
        String surefire = System.getProperty("surefire.test.class.path");
        if (surefire != null && !surefire.isBlank()) {
            cp = surefire;
        }
        return Objects.requireNonNull(cp).replace(":", File.pathSeparator);
    }

    /** @return the OS process id */
    public long pid() {
        return process.pid();
    }

    /** @return whether the process is still running */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * @return everything the child printed so far
     * @throws IOException if the log cannot be read
     */
    public String output() throws IOException {
        return Files.exists(output) ? Files.readString(output) : "";
    }

    /**
     * Kills the process with SIGKILL (no shutdown hooks run) and waits until it is gone.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void kill() throws InterruptedException {
        if (process.isAlive()) {
            try {
                new ProcessBuilder("kill", "-9", Long.toString(process.pid())).start().waitFor();
            } catch (IOException e) {
                process.destroyForcibly();
            }
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not die after SIGKILL");
        }
    }

    /**
     * Waits for a normal exit.
     *
     * @param timeout how long at most
     * @return the exit code
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if it does not exit in time (the child is then killed)
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException(name + " did not exit within " + timeout + "; output:\n" + safeOutput());
        }
        return process.exitValue();
    }

    private String safeOutput() {
        try {
            return output();
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** @return the JVM arguments of this test JVM, to pass on things like -Djava.io.tmpdir */
    public static List<String> inheritedJvmArgs() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ")";
    }
}
