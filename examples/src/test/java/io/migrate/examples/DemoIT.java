package io.migrate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo code path, with small sizes: every file migrated and verified. */
class DemoIT {
    @TempDir
    Path dir;

    @Test
    void demoMigratesAndVerifiesEveryFileAcrossThreeBackends() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Demo.Summary s = Demo.run(new Demo.Options(dir, 40, 256 << 10, 1, 20L << 20, 3, 5, 7, false),
                new PrintStream(captured, true, StandardCharsets.UTF_8));

        assertThat(s.files()).isEqualTo(41);
        assertThat(s.failures()).isEmpty();
        assertThat(s.verified()).isEqualTo(41);
        assertThat(s.mismatched()).isZero();
        assertThat(s.ok()).isTrue();
        assertThat(s.bytesPerNode().values().stream().mapToLong(Long::longValue).sum())
                .as("every byte sent once, none twice").isBetween(s.bytes(), s.bytes() + (8L << 20));
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("submitted 9 tasks").contains("100%");
    }

    @Test
    void cliRejectsAnUnknownCommandWithUsage() {
        int code = MigrateCli.commandLine().execute("frobnicate");
        assertThat(code).isNotZero();
    }
}
