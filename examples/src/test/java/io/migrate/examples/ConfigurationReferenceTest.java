package io.migrate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.config.Settings;
import io.migrate.node.MigrationNode;
import io.migrate.node.NodeConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/configuration.md is checked against the code: every key a loader asks for, for every
 * combination of HA, transport and publisher types, must be documented.
 */
class ConfigurationReferenceTest {
    private static final Pattern DOCUMENTED_KEY = Pattern.compile("^\\|\\s*`([^`]+)`", Pattern.MULTILINE);

    @TempDir
    Path dir;

    static Stream<Arguments> combinations() {
        return Stream.of(
                Arguments.of("static", "posix", "log"),
                Arguments.of("static", "s3", "kafka"),
                Arguments.of("zookeeper", "s3", "log"),
                Arguments.of("ctdb", "posix", "kafka"));
    }

    @ParameterizedTest(name = "ha={0} transport={1} publisher={2}")
    @MethodSource("combinations")
    void everyKeyTheLoadersReadIsInTheReference(String ha, String transport, String publisher) throws IOException {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", "node-1");
        p.put("task.root", dir.resolve("root").toString());
        p.put("mover.allowedSourceRoots", dir.toString());
        p.put("ha.type", ha);
        p.put("ha.static.leader", "node-1");
        p.put("ha.zookeeper.connect", "127.0.0.1:1");
        p.put("ha.ctdb.nodes", "0:node-1");
        p.put("transport.type", transport);
        p.put("transport.posix.root", dir.toString());
        p.put("transport.s3.endpoints", "http://127.0.0.1:1");
        p.put("transport.s3.bucket", "b");
        p.put("publisher.type", publisher);
        p.put("publisher.kafka.bootstrapServers", "127.0.0.1:1");
        p.keySet().removeIf(k -> k.startsWith("ha.") && !k.equals("ha.type") && !k.startsWith("ha." + ha + "."));
        p.keySet().removeIf(k -> k.startsWith("transport.") && !k.equals("transport.type")
                && !k.startsWith("transport." + transport + "."));
        p.keySet().removeIf(k -> k.startsWith("publisher.") && !k.equals("publisher.type")
                && !k.startsWith("publisher." + publisher + "."));
        Settings settings = Settings.of(p);
        try (MigrationNode node = NodeConfiguration.fromSettings(settings).build()) {
            assertThat(node.nodeId()).isEqualTo("node-1");
        }
        Set<String> documented = documentedKeys();
        Set<String> missing = new TreeSet<>();
        for (String key : settings.requestedKeys()) {
            boolean covered = documented.contains(key) || documented.stream()
                    .filter(d -> d.contains("<"))
                    .anyMatch(d -> key.startsWith(d.substring(0, d.indexOf('<'))));
            if (!covered) {
                missing.add(key);
            }
        }
        assertThat(missing).as("keys read by the code but missing from docs/configuration.md").isEmpty();
    }

    static Set<String> documentedKeys() throws IOException {
        Path doc = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        Set<String> keys = new TreeSet<>();
        Matcher m = DOCUMENTED_KEY.matcher(text);
        while (m.find()) {
            keys.add(m.group(1));
        }
        assertThat(keys).as("keys found in %s", doc).isNotEmpty();
        return keys;
    }

}
