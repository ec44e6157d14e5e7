package io.migrate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code migrate submit} with file lists an operator may really have (issue 20, defect 6). */
class SubmitCommandTest {
    @TempDir
    Path dir;

    @Test
    void aFileListThatIsNotUtf8FailsWithItsCodeTheLineAndTheEncodingAndSubmitsNothing() throws Exception {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        list.writeBytes("a.txt\n# comment\n".getBytes(StandardCharsets.UTF_8));
        list.writeBytes(new byte[] {'c', 'a', 'f', (byte) 0xE9, '.', 't', 'x', 't', '\n'}); // Latin-1 é
        Path files = Files.write(dir.resolve("files.txt"), list.toByteArray());

        StringWriter err = new StringWriter();
        int exit = submit(files, err);

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("INVALID_ENCODING").contains("line 3").contains("UTF-8")
                .contains("0xE9").doesNotContain("Input length");
        Path pending = dir.resolve("root/pending");
        if (Files.exists(pending)) {
            try (Stream<Path> s = Files.list(pending)) {
                assertThat(s).isEmpty();
            }
        }
    }

    @Test
    void aByteOrderMarkAndCrLfLineEndsAreAccepted() throws Exception {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        list.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        list.writeBytes("a.txt\r\ncafé.txt\r\n".getBytes(StandardCharsets.UTF_8));
        Path files = Files.write(dir.resolve("files.txt"), list.toByteArray());

        StringWriter err = new StringWriter();
        assertThat(submit(files, err)).as(err.toString()).isZero();

        // layout 2: the task is in pending/<hour>/<bucket>/
        try (Stream<Path> pending = Files.walk(dir.resolve("root/pending")).filter(Files::isRegularFile)) {
            Path task = pending.findFirst().orElseThrow();
            assertThat(Files.readString(task)).contains("\"source\":\"a.txt\"").contains("\"source\":\"café.txt\"");
        }
    }

    private int submit(Path files, StringWriter err) {
        CommandLine cl = MigrateCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute("submit", "--task-root", dir.resolve("root").toString(), "--source-root",
                dir.resolve("src").toAbsolutePath().toString(), "--files", files.toString());
    }
}
