package io.migrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migrate.node.NodeHealth;
import io.migrate.transport.EndpointHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node process's {@link NodeHealth} on the task root, {@code nodes/<id>/health.json}, so that
 * {@code migrate status} (another process, maybe another host) can show it. Written by the
 * {@code node} command every few seconds, replaced atomically (temporary file + rename); its
 * {@code at} tells how fresh it is (a node that stopped leaves a stale file, not a wrong one).
 * Only the CLI writes it: an embedding host exposes {@link io.migrate.node.MigrationNode#health()}
 * its own way.
 */
final class HealthFile {
    static final String NAME = "health.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthFile() {
    }

    static Path of(Path taskRoot, String node) {
        return taskRoot.resolve("nodes").resolve(node).resolve(NAME);
    }

    static void write(Path taskRoot, NodeHealth h) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", h.at().toString());
        m.put("node", h.nodeId());
        m.put("roles", h.roles().stream().map(Enum::name).sorted().toList());
        m.put("lifecycle", h.lifecycle().name());
        m.put("ready", h.ready());
        m.put("leadership", h.leadership() == null ? null : h.leadership().name());
        m.put("leaderEpoch", h.leaderEpoch());
        m.put("taskRootWritable", h.taskRoot().writable());
        List<Map<String, Object>> eps = new ArrayList<>();
        for (EndpointHealth e : h.endpoints()) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("id", e.endpointId());
            em.put("state", e.state().name());
            em.put("since", e.since() == null ? null : e.since().toString());
            em.put("lastErrorCode", e.lastErrorCode() == null ? null : e.lastErrorCode().name());
            em.put("lastError", e.lastError());
            eps.add(em);
        }
        m.put("endpoints", eps);
        if (h.publisher() != null) {
            m.put("publisher", h.publisher().state().name());
            m.put("resultsWaiting", h.publisher().waiting());
        }
        m.put("backlog", h.backlog());
        m.put("problems", h.problems());
        Path file = of(taskRoot, h.nodeId());
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(NAME + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Optional<JsonNode> read(Path taskRoot, String node) {
        Path file = of(taskRoot, node);
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readTree(file.toFile())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // half-written by an old version, or unreadable: shown as unknown
        }
    }
}
