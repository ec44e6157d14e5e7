package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import io.migrate.error.ErrorCode;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskValidatorTest {
    private final TaskValidator validator = TaskValidator.defaults();

    @Test
    void acceptsAWellFormedTaskWithTheMaximumNumberOfFiles() {
        assertThatCode(() -> validator.validate(TestTasks.task(500))).doesNotThrowAnyException();
        assertThatCode(() -> validator.validate(task("dir/sub dir/ünïcödé 文件.txt", "a/b/c.txt"))).doesNotThrowAnyException();
    }

    @Test
    void limitsAreConfigurable() {
        TaskValidator small = TaskValidator.builder().maxFiles(2).maxTargetKeyBytes(8).maxTaskFileBytes(4096).build();

        assertThatThrownBy(() -> small.validate(TestTasks.task(3)))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_FILES));
        assertThatThrownBy(() -> small.validate(task("a", "123456789")))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TARGET_KEY));
        assertThatThrownBy(() -> small.checkFileSize(4097))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TASK_FILE_TOO_LARGE));
        assertThatCode(() -> small.checkFileSize(4096)).doesNotThrowAnyException();
    }

    @Test
    void builderRejectsLimitsOutOfRangeNamingTheSetting() {
        assertThatThrownBy(() -> TaskValidator.builder().maxFiles(0).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("task.maxFiles");
        assertThatThrownBy(() -> TaskValidator.builder().maxTaskFileBytes(10).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("task.maxTaskFileBytes");
    }

    @ParameterizedTest(name = "{0} / {1} -> {2} {3}")
    @CsvSource(delimiter = '|', value = {
        "/etc/passwd      | k        | ABSOLUTE_PATH      | files[0].source",
        "a/../../b        | k        | PATH_TRAVERSAL     | files[0].source",
        "..               | k        | PATH_TRAVERSAL     | files[0].source",
        "a/./b            | k        | EMPTY_NAME         | files[0].source",
        "a/               | k        | EMPTY_NAME         | files[0].source",
        "a                | /k       | INVALID_TARGET_KEY | files[0].target",
        "a                | k//x     | EMPTY_NAME         | files[0].target",
        "a                | ../k     | PATH_TRAVERSAL     | files[0].target",
    })
    void rejectsBadPathsAndKeysWithCodeAndField(String source, String target, ErrorCode code, String field) {
        assertThatThrownBy(() -> validator.validate(task(source, target)))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.field()).isEqualTo(field);
                });
    }

    @Test
    void rejectsControlCharactersAndLoneSurrogates() {
        assertThatThrownBy(() -> validator.validate(task("a\u0000b", "k")))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_CHARACTER));
        assertThatThrownBy(() -> validator.validate(task("a", "k\u0085")))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_CHARACTER));
        assertThatThrownBy(() -> validator.validate(task("a\udc00", "k")))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ENCODING));
    }

    @Test
    void rejectsBadIdsAttemptsAndSchemaVersions() {
        MigrationTask base = task("a", "k");
        assertThatThrownBy(() -> validator.validate(base.toBuilder().id("x").build()))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.field()).isEqualTo("id"));
        assertThatThrownBy(() -> validator.validate(base.toBuilder().attempt(0).build()))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.field()).isEqualTo("attempt"));
        assertThatThrownBy(() -> validator.validate(base.toBuilder().parentTaskId("../x").build()))
                .isInstanceOfSatisfying(InvalidTaskException.class, e -> assertThat(e.field()).isEqualTo("parentTaskId"));
        assertThatThrownBy(() -> validator.checkSchemaVersion(2))
                .isInstanceOfSatisfying(InvalidTaskException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_SCHEMA_VERSION));
    }

    private static MigrationTask task(String source, String target) {
        return MigrationTask.builder().id(TaskIds.newId(Instant.now())).sourceRoot("/src").addFile(source, target).build();
    }
}
