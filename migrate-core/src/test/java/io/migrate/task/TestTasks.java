package io.migrate.task;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Tasks and results for store tests. */
final class TestTasks {
    private TestTasks() {
    }

    static MigrationTask task(int files) {
        MigrationTask.Builder b = MigrationTask.builder().sourceRoot("/src").attribute("request", "r1");
        for (int i = 0; i < files; i++) {
            b.addFile("dir/file-" + i + ".dat", "bucket/key-" + i);
        }
        return b.build();
    }

    static TaskResult result(MigrationTask task, String runId, String node) {
        List<FileResult> files = new ArrayList<>();
        for (FileEntry e : task.files()) {
            files.add(new FileResult(e.sourcePath(), e.targetKey(), FileOutcome.COPIED, null, null, 42,
                    "crc32c:0badf00d", Duration.ofMillis(5), 1));
        }
        Instant now = Instant.parse("2026-11-25T08:00:00Z");
        return new TaskResult(task.id(), task.attempt(), runId, node, now, now.plusSeconds(1),
                TaskOutcome.SUCCEEDED, null, null, files, null);
    }
}
