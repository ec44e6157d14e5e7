package io.migrate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production CLI jar ({@code target/migrate-cli.jar}, built by this module's {@code cli} shade
 * execution) is a clean artifact (issue 18): the CLI and the library modules with their runtime
 * dependencies, and nothing of the demo, the embedded S3 server or the test-jars; and it runs on its
 * own.
 */
class CliJarIT {
    private static final Path JAR = Path.of("target", "migrate-cli.jar");

    @Test
    void holdsTheCliAndTheLibrariesButNoDemoNoS3ProxyAndNoTestCode() throws IOException {
        List<String> names = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            jar.stream().map(ZipEntry::getName).forEach(names::add);
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("io.migrate.cli.MigrateCli");
        }
        assertThat(names).contains(
                "io/migrate/cli/MigrateCli.class",
                "io/migrate/node/MigrationNode.class",
                "io/migrate/s3/S3Transport.class",
                "io/migrate/kafka/KafkaResultPublisher.class",
                "io/migrate/ha/zookeeper/ZooKeeperLeaderElection.class",
                "org/apache/curator/framework/CuratorFramework.class",
                "logback.xml");
        assertThat(names).filteredOn(n -> n.startsWith("io/migrate/examples/")
                        || n.startsWith("io/migrate/testing/")
                        || n.startsWith("io/migrate/s3/testing/")
                        || n.startsWith("io/migrate/kafka/testing/")
                        || n.startsWith("org/gaul/")
                        || n.startsWith("org/jclouds/")
                        || n.startsWith("org/eclipse/jetty/")
                        || n.equals("logback-test.xml"))
                .as("demo, embedded server or test code in the production jar")
                .isEmpty();
    }

    @Test
    void submitsAndShowsStatusOnItsOwn(@TempDir Path dir) throws Exception {
        Path taskRoot = dir.resolve("tasks");
        Path files = dir.resolve("files.txt");
        Files.writeString(files, "a/one.bin\na/two.bin\n");

        Run submit = run("submit", "--task-root", taskRoot.toString(), "--source-root", "/srv/source",
                "--files", files.toString());
        assertThat(submit.exitCode).as(submit.output).isZero();

        Run status = run("status", "--task-root", taskRoot.toString());
        assertThat(status.exitCode).as(status.output).isZero();
        assertThat(status.output).containsIgnoringCase("pending");
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes(); // ends when the process closes its output
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not exit: " + String.join(" ", command));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
