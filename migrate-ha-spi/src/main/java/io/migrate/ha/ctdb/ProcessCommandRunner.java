package io.migrate.ha.ctdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the real {@code ctdb} binary as a child process with a configured environment
 * ({@code CTDB_SOCKET}, {@code CTDB_BASE}). A process still running at the timeout is killed
 * with SIGKILL, together with any children it started. Thread-safe: each call is independent.
 *
 * <p>Every command runs under {@code setsid}, in its own process group. When {@code ctdb -T n}
 * runs out of time it calls {@code kill(0, SIGTERM)} ("kill any child processes"), which
 * signals its whole process group: without {@code setsid} that is the host JVM (seen here: the
 * test JVM and Maven died). The child is not a group leader, so {@code setsid} execs in place
 * and the process we time out and kill is ctdb itself. Where {@code setsid} does not exist the
 * {@code -T} option is dropped and only our own kill bounds the command.
 */
final class ProcessCommandRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of).filter(Files::isExecutable).findFirst();
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private final String command;
    private final Map<String, String> environment;

    ProcessCommandRunner(String command, Map<String, String> environment) {
        this.command = command;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Result run(List<String> args, Duration timeout) throws InterruptedException {
        List<String> cmd = new ArrayList<>(args.size() + 2);
        if (SETSID.isPresent()) {
            cmd.add(SETSID.get().toString());
            cmd.add(command);
            cmd.addAll(args);
        } else {
            if (WARNED.compareAndSet(false, true)) {
                LOG.warn("setsid not found: running ctdb without -T (its timeout signals the caller's process group)");
            }
            cmd.add(command);
            cmd.addAll(withoutMaxRuntime(args));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(environment);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return Result.failedToStart(command + ": " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            // ctdb prints a few lines at most: far below a pipe buffer, so reading after exit is safe.
            if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                kill(p);
                return Result.timeout();
            }
            return new Result(p.exitValue(), read(p.getInputStream()), read(p.getErrorStream()), false);
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        } catch (IOException e) {
            return new Result(-1, "", e.getMessage(), false);
        } finally {
            closeQuietly(p.getInputStream());
            closeQuietly(p.getErrorStream());
        }
    }

    static List<String> withoutMaxRuntime(List<String> args) {
        List<String> out = new ArrayList<>(args);
        int i = out.indexOf("-T");
        if (i >= 0 && i + 1 < out.size()) {
            out.remove(i + 1);
            out.remove(i);
        }
        return out;
    }

    /** SIGKILL, then reap it (bounded) so no killed ctdb lingers as a zombie or a survivor. */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing left to read: the process is gone
        }
    }
}
