package io.migrate.ha.ctdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Parsing of {@code ctdb} output as Samba 4.17 prints it (older releases print the same for
 * these commands). Pure functions; every unexpected shape is "unknown", never a guess.
 */
final class CtdbOutput {
    private CtdbOutput() {
    }

    /** Columns of {@code ctdb -X nodestatus all} whose value 1 means "not a live member". */
    static final List<String> DOWN_FLAGS = List.of("Disconnected", "Unknown", "Banned", "Unhealthy", "Stopped", "Inactive");

    /**
     * @param stdout output of {@code ctdb pnn}, {@code ctdb leader} or {@code ctdb recmaster}
     * @return the node number if the output is exactly one non-negative integer
     */
    static OptionalInt pnn(String stdout) {
        String v = stdout.trim();
        if (!v.matches("\\d{1,6}")) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(v));
    }

    /** @return whether the command does not exist in this ctdb release */
    static boolean unknownCommand(CommandRunner.Result r) {
        return !r.timedOut() && r.exitCode() != 0 && r.all().contains("Unknown command");
    }

    /** One row of {@code ctdb -X nodestatus all}. */
    record NodeStatus(int pnn, String address, boolean alive, boolean thisNode, Map<String, Boolean> flags) {
    }

    /**
     * Parses {@code ctdb -X nodestatus all}: a header {@code |Node|IP|Disconnected|...|ThisNode|}
     * and one row per node. Columns are found by name, so added columns do not break it.
     *
     * @return the rows, or empty if the output is not that table
     */
    static Optional<List<NodeStatus>> nodeStatusAll(String stdout) {
        List<String> lines = stdout.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty() || !lines.get(0).startsWith("|Node|")) {
            return Optional.empty();
        }
        String[] header = split(lines.get(0));
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.length; i++) {
            col.put(header[i], i);
        }
        if (!col.containsKey("Node") || !col.containsKey("IP") || !col.containsKey("ThisNode")
                || !col.keySet().containsAll(DOWN_FLAGS)) {
            return Optional.empty();
        }
        List<NodeStatus> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = split(line);
            if (cells.length != header.length) {
                return Optional.empty();
            }
            OptionalInt pnn = pnn(cells[col.get("Node")]);
            if (pnn.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Boolean> flags = new HashMap<>();
            boolean alive = true;
            for (Map.Entry<String, Integer> c : col.entrySet()) {
                String v = cells[c.getValue()];
                if (v.equals("0") || v.equals("1")) {
                    flags.put(c.getKey(), v.equals("1"));
                }
            }
            for (String f : DOWN_FLAGS) {
                Boolean set = flags.get(f);
                if (set == null) {
                    return Optional.empty(); // a flag that is neither 0 nor 1: not the table we know
                }
                alive &= !set;
            }
            rows.add(new NodeStatus(pnn.getAsInt(), cells[col.get("IP")], alive,
                    cells[col.get("ThisNode")].equals("Y"), Map.copyOf(flags)));
        }
        return rows.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(rows));
    }

    private static String[] split(String line) {
        String s = line;
        if (s.startsWith("|")) {
            s = s.substring(1);
        }
        if (s.endsWith("|")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.split("\\|", -1);
    }
}
