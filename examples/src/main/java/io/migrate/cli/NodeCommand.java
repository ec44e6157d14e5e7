package io.migrate.cli;

import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code migrate node --config FILE}: runs one real node process until it is stopped. Every
 * {@code --health-interval} it writes the node's {@code health()} to
 * {@code nodes/<id>/health.json} on the task root, for {@code migrate status}.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Runs a manager and/or backend node from a properties file until SIGTERM/SIGINT.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The node's properties file (see docs/configuration.md).")
    Path config;

    @Option(names = "--health-interval", defaultValue = "5", description = "Seconds between health.json writes (default ${DEFAULT-VALUE}; 0 = never).")
    int healthSeconds;

    @Override
    public Integer call() throws InterruptedException {
        MigrationNode node = NodeConfiguration.load(config).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "migrate-node-shutdown"));
        node.start();
        System.out.println("node " + node.nodeId() + " started with roles " + node.roles());
        if (healthSeconds > 0) {
            java.util.concurrent.ScheduledExecutorService health =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "migrate-health-1");
                        t.setDaemon(true); // dies with the process; the file's timestamp shows it stopped
                        return t;
                    });
            Path root = node.taskRoot();
            health.scheduleWithFixedDelay(() -> {
                try {
                    HealthFile.write(root, node.health());
                } catch (java.io.IOException | RuntimeException e) {
                    // status then shows an old timestamp; the node's own log has the task-root errors
                }
            }, 0, healthSeconds, java.util.concurrent.TimeUnit.SECONDS);
        }
        stopped.await();
        return 0;
    }
}
