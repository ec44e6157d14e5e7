package io.migrate.dispatch;

import java.util.List;

/**
 * Tells a node that tasks were put in its inbox, once, never retried: nodes also poll their
 * inbox, so a lost notification costs latency, not a task. The default does nothing.
 *
 * <p>Called on the dispatcher's thread: implementations must not block for long.
 */
@FunctionalInterface
public interface Notifier {
    /** A notifier that does nothing; nodes find their tasks by polling. */
    Notifier NONE = (node, taskIds) -> { };

    /**
     * @param node the node whose inbox received tasks
     * @param taskIds the tasks, in dispatch order
     */
    void tasksAssigned(String node, List<String> taskIds);
}
