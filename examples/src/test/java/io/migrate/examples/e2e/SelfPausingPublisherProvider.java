package io.migrate.examples.e2e;

import io.migrate.config.Settings;
import io.migrate.error.ConfigurationException;
import io.migrate.node.spi.PublisherProvider;
import io.migrate.result.ResultPublisher;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskResult;
import java.util.ServiceLoader;

/**
 * {@code publisher.type=e2e-self-pausing}: the real publisher named by the node JVM's system
 * property {@code migrate.e2e.pause.publisher}, with a {@link SelfPause} point before each publish:
 * a pause while the outbox drains.
 */
public final class SelfPausingPublisherProvider implements PublisherProvider {
    @Override
    public String type() {
        return "e2e-self-pausing";
    }

    @Override
    public ResultPublisher create(Settings settings, String nodeId) {
        String type = System.getProperty("migrate.e2e.pause.publisher", "");
        for (PublisherProvider p : ServiceLoader.load(PublisherProvider.class, getClass().getClassLoader())) {
            if (p.type().equals(type)) {
                ResultPublisher delegate = p.create(settings, nodeId);
                return new ResultPublisher() {
                    @Override
                    public void publish(MigrationTask task, TaskResult result) {
                        SelfPause.at("publish", task.id());
                        delegate.publish(task, result);
                    }

                    @Override
                    public void close() {
                        delegate.close();
                    }
                };
            }
        }
        throw new ConfigurationException("publisher.type", "no delegate publisher '" + type + "'");
    }
}
