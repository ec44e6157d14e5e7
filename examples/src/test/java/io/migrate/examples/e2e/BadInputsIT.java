package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.InvalidTaskException;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 7: a catalogue of bad inputs mixed into an otherwise good run. Each must end as a
 * clear error code (in the task's result, or for a task file that cannot be used, in its
 * {@code failed/} entry) while every good file around it still arrives.
 *
 * <p>Unreadable files: {@code chmod 000} does not stop root (CI runs as root), so that entry is
 * only checked when the tests run as another user; the summary says when it was skipped.
 */
@E2e
class BadInputsIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void everyBadInputEndsWithItsCodeAndNothingElseIsDisturbed(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("bad-inputs", dir, servers, E2eCluster.Ha.ZOOKEEPER, 1, 2, Map.of())) {
            Workload w = new Workload(c, BadInputsIT.class);
            // Quota: the destination refuses these keys as S3 stores do when a quota is reached.
            c.proxyA.fail(r -> r.writes() && r.targetKey().startsWith("quota/"), 403, "QuotaExceeded");
            c.proxyB.fail(r -> r.writes() && r.targetKey().startsWith("quota/"), 403, "QuotaExceeded");

            Path outside = Files.createDirectories(dir.resolve("outside"));
            Files.writeString(outside.resolve("secret.bin"), "outside the source root");
            Path bad = Files.createDirectories(c.src.resolve("bad"));
            Files.createSymbolicLink(bad.resolve("escape-link.bin"), outside.resolve("secret.bin"));
            Files.createSymbolicLink(bad.resolve("linkdir"), outside);
            Files.createDirectories(bad.resolve("a-directory"));
            Process mkfifo = new ProcessBuilder("mkfifo", bad.resolve("fifo").toString()).inheritIO().start();
            assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
            Path unreadable = w.files.write(bad.resolve("unreadable.bin"), 1000);
            Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
            boolean permissionsBite = !Files.isReadable(unreadable); // false for root
            List<FileEntry> quota = w.writeFiles("quota", 3, 256, 1024);

            Map<String, ErrorCode> badFiles = new LinkedHashMap<>();
            badFiles.put("bad/escape-link.bin", ErrorCode.SOURCE_OUTSIDE_ROOT);
            badFiles.put("bad/linkdir/secret.bin", ErrorCode.SOURCE_OUTSIDE_ROOT);
            badFiles.put("bad/a-directory", ErrorCode.SOURCE_NOT_REGULAR_FILE);
            badFiles.put("bad/fifo", ErrorCode.SOURCE_NOT_REGULAR_FILE);
            badFiles.put("bad/missing.bin", ErrorCode.SOURCE_NOT_FOUND);
            if (permissionsBite) {
                badFiles.put("bad/unreadable.bin", ErrorCode.SOURCE_UNREADABLE);
            } else {
                System.out.println("E2E bad-inputs: running as root, chmod 000 cannot make a file unreadable:"
                        + " the SOURCE_UNREADABLE entry is skipped (run as another user to check it)");
            }
            quota.forEach(q -> badFiles.put(q.targetKey(), ErrorCode.QUOTA_EXCEEDED));

            // Good tasks, some of them carrying one bad entry each.
            List<String> badKeys = new ArrayList<>(badFiles.keySet());
            int goodTasks = Math.max(badKeys.size(), Workload.scaled(12));
            for (int t = 0; t < goodTasks; t++) {
                List<FileEntry> entries = new ArrayList<>(w.writeFiles("good" + t, 10, 256, 8 * 1024));
                if (t < badKeys.size()) {
                    entries.add(t % entries.size(), new FileEntry(badKeys.get(t), badKeys.get(t)));
                }
                w.submit(entries);
            }
            badKeys.forEach(w::expectAbsent);

            // A submitter refuses an escaping path at once: nothing is stored.
            assertThatThrownBy(() -> c.submitter.submit(c.src.toString(),
                    List.of(new FileEntry("../outside/secret.bin", "x")), Map.of()))
                    .isInstanceOf(InvalidTaskException.class)
                    .satisfies(e -> assertThat(((InvalidTaskException) e).code()).isEqualTo(ErrorCode.PATH_TRAVERSAL));

            // Task files written by something else straight into pending/.
            Map<String, ErrorCode> dropped = new TreeMap<>();
            dropped.put(drop(c, "{ this is not json"), ErrorCode.INVALID_JSON);
            dropped.put(drop(c, taskJson(c, null, "\"attempt\":1")), ErrorCode.MISSING_FIELD);
            dropped.put(drop(c, taskJson(c, "../../outside/secret.bin", null)), ErrorCode.PATH_TRAVERSAL);
            dropped.put(drop(c, taskJson(c, outside.resolve("secret.bin").toString(), null)), ErrorCode.ABSOLUTE_PATH);
            dropped.keySet().forEach(id -> w.submitted(id, 1));

            c.startAll();
            EndState.Report r = EndState.verify(c, w, t0);

            Map<String, Set<String>> codes = new TreeMap<>();
            badFiles.keySet().forEach(k -> codes.put(k, r.codesFor(k)));
            System.out.println("E2E bad-inputs: file codes " + codes);
            badFiles.forEach((k, code) -> assertThat(r.codesFor(k)).as("codes of %s", k).containsExactly(code.name()));
            assertThat(c.proxyA.injected() + c.proxyB.injected()).as("quota errors answered by the proxies").isPositive();
            r.fileResultsByTarget().forEach((k, results) -> {
                if (!badFiles.containsKey(k)) {
                    assertThat(results).as("good file %s never failed", k).allMatch(f -> f.succeeded());
                }
            });
            Map<String, ErrorCode> failedCodes = new TreeMap<>();
            for (TaskRef f : r.failed()) {
                failedCodes.put(f.taskId(), DirectoryTaskStore.failureCode(f).orElseThrow());
            }
            System.out.println("E2E bad-inputs: dropped task files " + failedCodes);
            assertThat(failedCodes).as("each dropped task file failed with its code").isEqualTo(dropped);
        }
    }

    /** A task file like a submitter writes, with one file entry or without a required field. */
    private static String taskJson(E2eCluster c, String source, String instead) {
        String id = TaskIds.newId(Instant.now());
        String files = source == null ? "" : ",\"files\":[{\"source\":\"" + source + "\",\"target\":\"dropped/x\"}]";
        return "{\"schemaVersion\":1,\"id\":\"" + id + "\",\"createdAt\":\"" + Instant.now() + "\""
                + (instead == null ? ",\"attempt\":1" : "," + instead)
                + ",\"sourceRoot\":\"" + c.src + "\"" + files + ",\"attributes\":{}}\n";
    }

    /** Drops a task file into pending/ the way a foreign writer would (temp name, then rename). */
    private static String drop(E2eCluster c, String content) throws Exception {
        String id = content.contains("\"id\":\"") ? content.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1")
                : TaskIds.newId(Instant.now());
        Path pending = Files.createDirectories(c.root.resolve("pending"));
        Path tmp = pending.resolve("." + id + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, pending.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE);
        return id;
    }
}
