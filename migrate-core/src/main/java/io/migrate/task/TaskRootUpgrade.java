package io.migrate.task;

import java.nio.file.Path;

/**
 * The one-line upgrade of a task root written by a release before layout 2
 * ({@code docs/task-root.md}, "Upgrading"):
 *
 * <pre>
 * java -cp 'migrate-core.jar:lib/*' io.migrate.task.TaskRootUpgrade /srv/migrate/task-root
 * </pre>
 *
 * Moves every task file lying directly in {@code pending/}, {@code done/}, {@code archive/} and
 * {@code failed/} into its bucket (one rename each; a task another node moves meanwhile is left to
 * it) and writes {@code layout.json}. Idempotent. Nodes of the previous release must be stopped;
 * nodes of this release may keep running (they move such files themselves as they meet them).
 */
public final class TaskRootUpgrade {
    private TaskRootUpgrade() {
    }

    /**
     * @param args the task root
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: java -cp <classpath> io.migrate.task.TaskRootUpgrade <task-root>");
            System.exit(2);
        }
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(Path.of(args[0])).build();
        long moved = store.upgrade();
        System.out.println("task root " + store.root() + " is layout " + DirectoryTaskStore.LAYOUT + " (" + moved
                + " files moved into buckets)");
    }
}
