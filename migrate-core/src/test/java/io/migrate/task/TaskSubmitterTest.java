package io.migrate.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskSubmitterTest {
    @TempDir
    Path root;

    @Test
    void submitReturnsTheIdOfATaskReadableFromPending() {
        Instant now = Instant.parse("2026-11-25T08:00:00Z");
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        TaskSubmitter submitter = TaskSubmitter.builder().store(store).clock(Clock.fixed(now, ZoneOffset.UTC)).build();

        String id = submitter.submit("/exports", List.of(new FileEntry("a/b", "k/b")), Map.of("request", "r-9"));

        assertThat(TaskIds.eligibleAt(id)).isEqualTo(now);
        TaskRef ref = store.find(id).orElseThrow();
        assertThat(ref.state()).isEqualTo(TaskState.PENDING);
        MigrationTask task = store.read(ref).orElseThrow().task();
        assertThat(task.createdAt()).isEqualTo(now);
        assertThat(task.attempt()).isEqualTo(1);
        assertThat(task.attributes()).containsEntry("request", "r-9");
    }

    @Test
    void cleanStaleIncomingUsesTheConfiguredAge() throws Exception {
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        TaskSubmitter submitter = TaskSubmitter.builder().store(store).staleIncomingAfter(Duration.ofMinutes(10)).build();
        Path old = Files.writeString(root.resolve("incoming/.old.tmp"), "{");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofMinutes(11))));
        Path young = Files.writeString(root.resolve("incoming/.young.tmp"), "{");

        assertThat(submitter.cleanStaleIncoming()).isEqualTo(1);

        assertThat(old).doesNotExist();
        assertThat(young).exists();
    }

    @Test
    void builderRequiresAStoreAndAPositiveAge() {
        assertThatThrownBy(() -> TaskSubmitter.builder().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("submitter.store");
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        assertThatThrownBy(() -> TaskSubmitter.builder().store(store).staleIncomingAfter(Duration.ZERO).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("submitter.staleIncomingAfter");
    }
}
