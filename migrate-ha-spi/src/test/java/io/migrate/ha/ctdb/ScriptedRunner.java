package io.migrate.ha.ctdb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link CommandRunner} that answers recorded ctdb outputs by sub-command (the arguments after
 * {@code -T n}); every call is recorded.
 */
final class ScriptedRunner implements CommandRunner {
    private final Map<String, Result> answers = new HashMap<>();
    final List<List<String>> calls = new CopyOnWriteArrayList<>();

    ScriptedRunner answer(String subcommand, int exit, String stdout) {
        answers.put(subcommand, new Result(exit, stdout, "", false));
        return this;
    }

    ScriptedRunner answer(String subcommand, int exit, String stdout, String stderr) {
        answers.put(subcommand, new Result(exit, stdout, stderr, false));
        return this;
    }

    ScriptedRunner timeout(String subcommand) {
        answers.put(subcommand, Result.timeout());
        return this;
    }

    ScriptedRunner noDaemon() {
        // Recorded from Samba 4.17 ctdb with no ctdbd on the socket.
        for (String s : List.of("pnn", "leader", "recmaster", "nodestatus", "-X nodestatus all")) {
            answer(s, 1, "", "connect() failed, errno=111\nFailed to connect to CTDB daemon (/run/ctdb/ctdbd.socket)\n");
        }
        return this;
    }

    long count(String subcommand) {
        return calls.stream().filter(c -> sub(c).equals(subcommand)).count();
    }

    private static String sub(List<String> args) {
        List<String> rest = new ArrayList<>(args);
        if (rest.size() >= 2 && rest.get(0).equals("-T")) {
            rest = rest.subList(2, rest.size());
        }
        return String.join(" ", rest);
    }

    @Override
    public Result run(List<String> args, Duration timeout) {
        calls.add(List.copyOf(args));
        Result r = answers.get(sub(args));
        return r != null ? r : new Result(1, "", "Unknown command '" + sub(args) + "'\n", false);
    }
}
