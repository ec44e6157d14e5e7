package io.migrate.ha.ctdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ctdb} binary as a child process with a configured environment
 * ({@code CTDB_SOCKET}, {@code CTDB_BASE}). A process still running at the timeout is killed
 * with SIGKILL, together with any children it started. Thread-safe: each call is independent.
 */
final class ProcessCommandRunner implements CommandRunner {
    private final String command;
    private final Map<String, String> environment;

    ProcessCommandRunner(String command, Map<String, String> environment) {
        this.command = command;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public Result run(List<String> args, Duration timeout) throws InterruptedException {
        List<String> cmd = new ArrayList<>(args.size() + 1);
        cmd.add(command);
        cmd.addAll(args);
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

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
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
