package io.migrate.ha.ctdb;

import java.time.Duration;
import java.util.List;

/**
 * Runs one {@code ctdb} command. An interface so the parsing and the state rules can be tested
 * against recorded outputs (hangs, garbage, a missing daemon) without a cluster.
 */
interface CommandRunner {
    /**
     * @param args arguments after the command path, e.g. {@code [-T, 3, leader]}
     * @param timeout kill the process (SIGKILL) if it has not exited by then
     * @return what it printed and how it ended
     * @throws InterruptedException if interrupted while waiting (the process is killed)
     */
    Result run(List<String> args, Duration timeout) throws InterruptedException;

    /**
     * @param exitCode the exit status (-1 when it could not start or timed out)
     * @param stdout standard output
     * @param stderr standard error, or why it could not start
     * @param timedOut whether it was killed for exceeding the timeout
     */
    record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        static Result timeout() {
            return new Result(-1, "", "", true);
        }

        static Result failedToStart(String why) {
            return new Result(-1, "", why, false);
        }

        boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** stdout and stderr together, for messages that may go to either. */
        String all() {
            return stdout + "\n" + stderr;
        }
    }
}
