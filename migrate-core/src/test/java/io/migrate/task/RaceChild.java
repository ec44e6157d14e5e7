package io.migrate.task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Second-process racer of {@link TaskOwnershipRaceTest}: waits for the go file, then moves every
 * pending task it can into its own node's inbox, and prints {@code MOVED <id>} for each win.
 *
 * <p>Arguments: task root, node, go file.
 */
public final class RaceChild {
    private RaceChild() {
    }

    /**
     * @param args root, node, go file
     */
    public static void main(String[] args) {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(Path.of(args[0])).build();
        String node = args[1];
        Path go = Path.of(args[2]);
        System.out.println("READY");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.onSpinWait();
        }
        System.out.println("STARTED");
        System.out.flush();
        List<String> won = new ArrayList<>();
        int attempts = TaskOwnershipRaceTest.race(store, node, won);
        StringBuilder out = new StringBuilder();
        for (String id : won) {
            out.append("MOVED ").append(id).append('\n');
        }
        out.append("ATTEMPTS ").append(attempts).append('\n');
        out.append("SLOW ").append(store.slowCalls().count()).append(' ').append(store.slowCalls().longest().toMillis())
                .append('\n').append("DONE\n");
        System.out.print(out);
        System.out.flush();
    }

    static List<TaskRef> pending(TaskStore store) {
        try (Stream<TaskRef> s = store.list(TaskState.PENDING)) {
            return s.collect(Collectors.toList());
        }
    }
}
