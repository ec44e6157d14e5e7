package io.migrate.examples;

import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code migrate node --config FILE}: runs one real node process until it is stopped. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Runs a manager and/or backend node from a properties file until SIGTERM/SIGINT.")
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The node's properties file (see docs/configuration.md).")
    Path config;

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
        stopped.await();
        return 0;
    }
}
