package io.migrate.kafka.testing;

import io.migrate.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode ({@code process.roles=broker,controller}),
 * running {@code kafka.Kafka} in a child JVM on the Maven-resolved test classpath
 * ({@code kafka_2.13} in test scope). Storage is formatted on the first start (by
 * {@link KafkaBrokerMain}, in the same JVM).
 *
 * <p>The ports and the data directory are chosen once, so {@link #stop()} (SIGKILL),
 * {@link #stopGracefully()} (SIGTERM) and {@link #start()} again give the same broker back with
 * its data, at the same bootstrap address. Shared with other modules' tests through the
 * {@code migrate-kafka} test-jar.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    /** Default deadline for the broker to accept admin requests after a start. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final Path logDir;
    private final Path config;
    private final int brokerPort;
    private final int controllerPort;
    private final String clusterId;
    private ChildJvm jvm;
    private int starts;
    private Duration lastStartup;

    private KafkaBroker(Path dir) throws IOException {
        this.dir = dir;
        this.logDir = dir.resolve("data");
        this.config = dir.resolve("server.properties");
        int[] ports = io.migrate.testing.FreePorts.distinct(2);
        this.brokerPort = ports[0];
        this.controllerPort = ports[1];
        this.clusterId = Uuid.randomUuid().toString();
        Files.createDirectories(logDir);
        writeConfig();
    }

    /**
     * Prepares a broker (not started) in a directory: config, data and the child's output.
     *
     * @param dir a fresh directory, e.g. a JUnit {@code @TempDir}
     * @return the broker
     * @throws IOException if the directory cannot be written
     */
    public static KafkaBroker create(Path dir) throws IOException {
        return new KafkaBroker(dir);
    }

    /**
     * Prepares and starts a broker, waiting until it is ready.
     *
     * @param dir a fresh directory
     * @return the running broker
     * @throws IOException if it cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public static KafkaBroker started(Path dir) throws IOException, InterruptedException {
        KafkaBroker broker = create(dir);
        broker.start();
        return broker;
    }

    private void writeConfig() throws IOException {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        // Fewer internal partitions: a 2-core machine creates 50 offsets partitions slowly.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // After a SIGKILL the restarted controller keeps the old broker registration until its
        // session times out (default 9 s) before the new incarnation may register: shorten it.
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "generated by " + KafkaBroker.class.getName());
        }
    }

    /**
     * Starts the broker (formatting its storage the first time) and waits until it answers
     * admin requests, at most {@link #READY_TIMEOUT}. Starting again after a stop reuses the
     * ports and the data.
     *
     * @throws IOException if the child cannot be started
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException if already running, or not ready in time (the child is then
     *     killed and its output is in the message)
     */
    public void start() throws IOException, InterruptedException {
        if (isRunning()) {
            throw new IllegalStateException("broker already running");
        }
        long t0 = System.nanoTime();
        starts++;
        jvm = ChildJvm.start("kafka-broker-" + starts, dir, KafkaBrokerMain.class,
                List.of("-Xmx512m", "-Djava.io.tmpdir=" + dir),
                config.toString(), clusterId, logDir.toString());
        awaitReady(READY_TIMEOUT);
        lastStartup = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("Kafka broker {} ready at {} after {} ms", jvm, bootstrapServers(), lastStartup.toMillis());
    }

    /**
     * Waits until the broker answers a cluster description with itself.
     *
     * @param deadline how long at most
     * @throws InterruptedException if interrupted
     * @throws IllegalStateException if the child died or the deadline passed (then it is killed)
     */
    public void awaitReady(Duration deadline) throws InterruptedException {
        try (Admin admin = admin()) {
            Awaitility.await("Kafka broker " + bootstrapServers() + " ready")
                    .atMost(deadline)
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("Kafka broker exited during start-up", () -> !jvm.isAlive())
                    .until(() -> answers(admin));
        } catch (ConditionTimeoutException e) {
            String out = output();
            jvm.kill();
            throw new IllegalStateException("Kafka broker not ready within " + deadline + "; output:\n" + out, e);
        } catch (TerminalFailureException e) {
            throw new IllegalStateException("Kafka broker exited during start-up; output:\n" + output(), e);
        }
    }

    private static boolean answers(Admin admin) throws InterruptedException {
        try {
            return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Kafka broker not ready yet: {}", e.toString());
            return false;
        }
    }

    /**
     * Kills the broker with SIGKILL (no clean shutdown) and waits until it is gone.
     *
     * @throws InterruptedException if interrupted
     */
    public void stop() throws InterruptedException {
        if (jvm != null) {
            jvm.kill();
        }
    }

    /**
     * Stops the broker with SIGTERM (a clean shutdown) and waits up to 60 s, then kills it.
     *
     * @throws InterruptedException if interrupted
     */
    public void stopGracefully() throws InterruptedException {
        if (jvm == null || !jvm.isAlive()) {
            return;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(jvm.pid());
        if (h.isPresent()) {
            h.get().destroy(); // SIGTERM on Unix
            try {
                h.get().onExit().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("Kafka broker did not stop after SIGTERM, killing it: {}", e.toString());
            }
        }
        jvm.kill();
    }

    /** @return whether the broker process is alive */
    public boolean isRunning() {
        return jvm != null && jvm.isAlive();
    }

    /** @return {@code 127.0.0.1:<port>}, stable across restarts */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** @return how long the last {@link #start()} took until ready, or null before the first */
    public Duration lastStartup() {
        return lastStartup;
    }

    /** @return the child's output so far (for failure messages) */
    public String output() {
        try {
            return jvm == null ? "" : jvm.output();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a new admin client for this broker; the caller closes it */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000"));
    }

    /**
     * Creates a topic with replication factor 1 unless it exists.
     *
     * @param name topic
     * @param partitions partition count
     * @throws InterruptedException if interrupted
     */
    public void createTopic(String name, int partitions) throws InterruptedException {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name, e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("topic " + name + " not created in 30 s", e);
        }
    }

    /** @return a topic name no other test uses */
    public static String uniqueTopic() {
        return "results-" + UUID.randomUUID();
    }

    /** Kills the broker if running; an interrupt while waiting is kept as the thread's flag. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + dir + "]";
    }
}
