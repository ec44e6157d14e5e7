package io.migrate.testing;

import io.migrate.config.Settings;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The one way tests build a live node's settings: node id, task root, static leadership with
 * heartbeat-file membership, a POSIX destination, the mover's limits and short ticks, plus whatever
 * a scenario sets on top. {@link #start()} runs the node in this JVM (the issue ITs);
 * {@link #writeTo(Path)} writes the properties file a node process reads
 * ({@code migrate node --config FILE}, the end-to-end harness in {@code examples}).
 *
 * <p>Defaults are for a small test on 2 cores: 2 mover threads, 8 MiB in flight, 1 MiB ranges,
 * 200 ms heartbeats and a 10 s node lease; {@link #ticks} sets the dispatch, poll and reclaim
 * periods. Later calls replace earlier values of the same key. Not thread-safe: one test thread
 * builds it.
 *
 * <p>Shared by every module's tests through the {@code migrate-core} test-jar.
 */
public final class NodeFixture {
    private final Map<String, String> settings = new LinkedHashMap<>();

    private NodeFixture(String nodeId) {
        settings.put("node.id", nodeId);
        settings.put("ha.type", "static");
        settings.put("ha.static.leader", nodeId);
        settings.put("ha.heartbeat.interval", "200ms");
        settings.put("ha.heartbeat.nodeLease", "10s");
        settings.put("mover.threads", "2");
        settings.put("mover.maxInFlightBytes", "8MiB");
        settings.put("mover.rangeSize", "1MiB");
        ticks(Duration.ofMillis(200), Duration.ofMillis(500));
    }

    /**
     * @param nodeId the node's id; it is also the static leader until {@link #leader} says otherwise
     * @return a builder with the defaults above
     */
    public static NodeFixture builder(String nodeId) {
        return new NodeFixture(Objects.requireNonNull(nodeId, "nodeId"));
    }

    /** @param root the task root ({@code task.root}) */
    public NodeFixture root(Path root) {
        return set("task.root", root.toString());
    }

    /** @param sources the one directory sources may be read from ({@code mover.allowedSourceRoots}) */
    public NodeFixture sources(Path sources) {
        return set("mover.allowedSourceRoots", sources.toString());
    }

    /** @param dest the destination directory of the POSIX transport */
    public NodeFixture posixTarget(Path dest) {
        set("transport.type", "posix");
        return set("transport.posix.root", dest.toString());
    }

    /** @param node the node static leadership names leader ({@code ha.static.leader}) */
    public NodeFixture leader(String node) {
        return set("ha.static.leader", node);
    }

    /**
     * Replaces the static leadership above with another kind.
     *
     * @param keys every {@code ha.*} setting of the node (ZooKeeper's, for example)
     */
    public NodeFixture ha(Map<String, String> keys) {
        settings.keySet().removeIf(k -> k.startsWith("ha."));
        return setAll(keys);
    }

    /** @param roles {@code manager}, {@code backend} or both ({@code node.roles}) */
    public NodeFixture roles(String roles) {
        return set("node.roles", roles);
    }

    /**
     * @param poll the dispatch tick and the worker's and outbox's poll interval
     * @param reclaim the reclaim tick and grace
     */
    public NodeFixture ticks(Duration poll, Duration reclaim) {
        set("dispatch.tick", poll.toMillis() + "ms");
        set("worker.pollInterval", poll.toMillis() + "ms");
        set("outbox.pollInterval", poll.toMillis() + "ms");
        set("reclaim.tick", reclaim.toMillis() + "ms");
        return set("reclaim.grace", reclaim.toMillis() + "ms");
    }

    /** Sets (or replaces) one setting. */
    public NodeFixture set(String key, String value) {
        settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Sets (or replaces) every setting of {@code more}, in its order. */
    public NodeFixture setAll(Map<String, String> more) {
        more.forEach(this::set);
        return this;
    }

    /** @return a copy of the settings so far, in the order they were first set */
    public Map<String, String> settings() {
        return new LinkedHashMap<>(settings);
    }

    /** @return the node, built from the settings and started in this JVM (the caller closes it) */
    public MigrationNode start() {
        MigrationNode node = NodeConfiguration.fromSettings(Settings.of(settings())).build();
        node.start();
        return node;
    }

    /**
     * Writes the settings as a properties file for a node process.
     *
     * @param file the file to (over)write
     * @return {@code file}
     * @throws IOException if it cannot be written
     */
    public Path writeTo(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        settings.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
