package io.migrate.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The submitting process of {@link SubmitCrashTest}: submits tasks in a loop until killed and
 * prints {@code ACK <id>} after each {@code submit} returned.
 *
 * <p>Arguments: task root, child number.
 */
public final class SubmitChild {
    private SubmitChild() {
    }

    /**
     * @param args root, child number
     */
    public static void main(String[] args) {
        TaskSubmitter submitter = TaskSubmitter.builder()
                .store(DirectoryTaskStore.builder().root(Path.of(args[0])).build())
                .build();
        for (int n = 0; ; n++) {
            List<FileEntry> files = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                files.add(new FileEntry("batch-" + args[1] + "/" + n + "/file-" + i + ".dat",
                        "bucket/" + args[1] + "/" + n + "/" + i));
            }
            String id = submitter.submit("/exports/data", files, Map.of("child", args[1], "n", Integer.toString(n)));
            System.out.println("ACK " + id);
            System.out.flush();
        }
    }
}
