package io.migrate.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/errors.md lists every code with the right retryable flag. */
class ErrorCodeDocumentationTest {
    @Test
    void everyCodeIsDocumentedWithItsRetryability() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "errors.md"), StandardCharsets.UTF_8);
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(doc).as("docs/errors.md row for %s", code)
                    .contains("| `" + code.name() + "` | " + (code.retryable() ? "yes" : "no") + " |");
        }
    }
}
