package io.migrate.cli;

import io.migrate.error.ErrorCode;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.task.TaskStatusView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code migrate status}: counts per state, per-node backlog and lease ages, failures by code,
 * and each node's health as its {@code node} process last wrote it ({@code nodes/<id>/health.json}).
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the state of a task root.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--task-root", required = true, description = "The shared task root.")
    Path taskRoot;

    @Option(names = "--task", description = "Show only this task: state, node, attempt, lease age and, once it"
            + " ended, its outcome and failed files by code.")
    String taskId;

    @Override
    public Integer call() {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(taskRoot).build();
        TaskStatusView view = TaskStatusView.of(store);
        if (taskId != null) {
            var status = view.status(taskId);
            System.out.println(status.map(Object::toString).orElse("unknown task " + taskId));
            return status.isPresent() ? 0 : 1;
        }
        TaskStatusView.Snapshot s = view.snapshot();
        System.out.println("task root " + taskRoot + " at " + s.at());
        for (TaskState state : TaskState.values()) {
            System.out.printf("  %-9s %8d%n", state.directoryName(), s.count(state));
        }
        System.out.printf("%n  %-20s %8s %8s %14s%n", "node", "inbox", "running", "oldest lease");
        s.nodes().forEach((node, n) -> System.out.printf("  %-20s %8d %8d %14s%n", node, n.inbox(), n.running(),
                n.oldestLeaseAge().map(StatusCommand::age).orElse("-")));
        Map<ErrorCode, Long> failures = new TreeMap<>();
        // Failed tasks stay in failed/ until their result is published, then go to archive/ under the same name.
        for (TaskState state : new TaskState[] {TaskState.FAILED, TaskState.ARCHIVED}) {
            try (Stream<TaskRef> failed = store.list(state)) {
                failed.forEach(ref -> DirectoryTaskStore.failureCode(ref).ifPresent(c -> failures.merge(c, 1L, Long::sum)));
            }
        }
        if (!failures.isEmpty()) {
            System.out.println("\n  tasks that ended failed, by code (failed/ and archive/):");
            failures.forEach((code, n) -> System.out.printf("  %-28s %8d%n", code, n));
        }
        printHealth(store, s.at());
        return 0;
    }

    /** Each node's last health.json: ready or not, how old, endpoints, problems. */
    private void printHealth(DirectoryTaskStore store, java.time.Instant now) {
        boolean header = false;
        for (String node : new java.util.TreeSet<>(store.nodes())) {
            var h = HealthFile.read(taskRoot, node);
            if (h.isEmpty()) {
                continue;
            }
            if (!header) {
                System.out.println("\n  node health (as each node process last wrote it):");
                header = true;
            }
            var j = h.get();
            String age;
            try {
                age = Duration.between(java.time.Instant.parse(j.path("at").asText()), now).toSeconds() + "s ago";
            } catch (RuntimeException e) {
                age = "?";
            }
            System.out.printf("  %-20s %-9s %-9s %s%s%n", node, j.path("ready").asBoolean() ? "READY" : "NOT READY",
                    j.path("lifecycle").asText(), age,
                    j.path("leadership").isTextual() ? ", leadership " + j.path("leadership").asText() : "");
            for (var e : j.path("endpoints")) {
                System.out.printf("      endpoint %s %s%s%n", e.path("id").asText(), e.path("state").asText(),
                        e.path("lastError").isTextual() && !"UP".equals(e.path("state").asText())
                                ? ": " + e.path("lastErrorCode").asText() + " " + e.path("lastError").asText() : "");
            }
            for (var p : j.path("problems")) {
                System.out.println("      problem: " + p.asText());
            }
        }
    }

    private static String age(Duration d) {
        return d.toSeconds() + "s";
    }
}
