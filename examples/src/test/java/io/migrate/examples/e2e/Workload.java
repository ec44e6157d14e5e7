package io.migrate.examples.e2e;

import io.migrate.task.FileEntry;
import io.migrate.testing.RandomFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What a scenario submitted and what it expects at the destination: random source files
 * (reproducible from the printed seed), the tasks that name them, and for each target key the
 * source file whose bytes must end up there. Scenarios that expect a file not to arrive (deleted
 * source, bad input) {@link #expectAbsent} it. Sizes scale with {@code -De2e.scale} (the
 * {@code -Pchaos} profile raises it).
 *
 * <p>Not thread-safe: the test thread owns it.
 */
final class Workload {
    final long seed;
    final RandomFiles files;
    final Random random;
    private final E2eCluster cluster;
    private final Map<String, Path> expected = new LinkedHashMap<>();
    private final Map<String, byte[]> tolerated = new LinkedHashMap<>();
    private final List<String> taskIds = new ArrayList<>();
    private int fileEntries;

    Workload(E2eCluster cluster, Class<?> test) {
        this.cluster = cluster;
        this.seed = RandomFiles.seed(test);
        this.files = new RandomFiles(seed);
        this.random = files.random();
    }

    /** @return {@code n} scaled by {@code -De2e.scale} (default 1) */
    static int scaled(int n) {
        return (int) Math.max(1, Math.round(n * Double.parseDouble(System.getProperty("e2e.scale", "1"))));
    }

    /**
     * Writes {@code n} random files under {@code src/<dir>/} and returns their entries (target
     * key = {@code <dir>/<name>}); nothing is submitted yet.
     */
    List<FileEntry> writeFiles(String dir, int n, int minSize, int maxSize) {
        List<FileEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String rel = dir + "/f" + i + ".bin";
            files.write(cluster.src.resolve(rel), minSize + random.nextInt(maxSize - minSize + 1));
            entries.add(new FileEntry(rel, rel));
        }
        return entries;
    }

    /**
     * Submits one task and expects every entry's source bytes at its target.
     *
     * @return the task id
     */
    String submit(List<FileEntry> entries) {
        String id = cluster.submitter.submit(cluster.src.toString(), entries, Map.of("batch", "e2e"));
        taskIds.add(id);
        fileEntries += entries.size();
        for (FileEntry e : entries) {
            expected.putIfAbsent(e.targetKey(), cluster.src.resolve(e.sourcePath()));
        }
        return id;
    }

    /** Records a task submitted some other way (e.g. a file dropped into pending/). */
    void submitted(String taskId, int entries) {
        taskIds.add(taskId);
        fileEntries += entries;
    }

    /** A target key that must not exist at the end. */
    void expectAbsent(String targetKey) {
        expected.remove(targetKey);
    }

    /**
     * A target key that may be absent at the end or hold exactly {@code bytes} (a whole version
     * of a source deleted while its copy was stored), nothing else.
     */
    void expectAbsentOrExactly(String targetKey, byte[] bytes) {
        expected.remove(targetKey);
        tolerated.put(targetKey, bytes.clone());
    }

    /** @return target keys that may be absent or hold exactly the given bytes */
    Map<String, byte[]> tolerated() {
        return Map.copyOf(tolerated);
    }

    /** @return target key to the source file whose bytes must be there at the end */
    Map<String, Path> expected() {
        return Map.copyOf(expected);
    }

    /** @return ids of the tasks submitted (not their retries) */
    List<String> taskIds() {
        return List.copyOf(taskIds);
    }

    /** @return file entries submitted over all tasks (duplicates counted) */
    int fileEntries() {
        return fileEntries;
    }
}
