package io.migrate.examples;

import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.TaskSubmitter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code migrate submit}: turns a file list into durable tasks in {@code pending/}. Each line
 * is {@code source-path} or {@code source-path<TAB>target-key}, the source relative to
 * {@code --source-root}; blank lines and lines starting with {@code #} are skipped.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submits tasks from a file list.")
final class SubmitCommand implements Callable<Integer> {
    @Option(names = "--task-root", required = true, description = "The shared task root.")
    Path taskRoot;

    @Option(names = "--source-root", required = true, description = "Absolute source root the listed paths are relative to.")
    Path sourceRoot;

    @Option(names = "--files", required = true, description = "The file list (one entry per line).")
    Path fileList;

    @Option(names = "--target-prefix", defaultValue = "", description = "Prepended to target keys taken from source paths.")
    String targetPrefix;

    @Option(names = "--files-per-task", defaultValue = "500", description = "Files per task (default ${DEFAULT-VALUE}).")
    int filesPerTask;

    @Option(names = "--attribute", description = "Host attribute key=value stored with every task (repeatable).")
    Map<String, String> attributes = Map.of();

    @Override
    public Integer call() throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(fileList, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            String source = tab < 0 ? line : line.substring(0, tab);
            String target = tab < 0 ? targetPrefix + source : line.substring(tab + 1);
            entries.add(new FileEntry(source, target));
        }
        TaskSubmitter submitter = TaskSubmitter.builder()
                .store(DirectoryTaskStore.builder().root(taskRoot).build()).build();
        int tasks = 0;
        for (int from = 0; from < entries.size(); from += filesPerTask) {
            List<FileEntry> batch = entries.subList(from, Math.min(entries.size(), from + filesPerTask));
            System.out.println(submitter.submit(sourceRoot.toAbsolutePath().toString(), batch, attributes));
            tasks++;
        }
        System.err.printf("submitted %d files in %d tasks%n", entries.size(), tasks);
        return 0;
    }
}
