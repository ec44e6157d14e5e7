package io.migrate.issues;

import static io.migrate.issues.LayoutEntries.names;
import static io.migrate.issues.LayoutEntries.stateEntries;
import static io.migrate.issues.LayoutEntries.stateNames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.migrate.node.MigrationNode;
import io.migrate.task.FileEntry;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskState;
import io.migrate.testing.NodeFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, the corpus in the style of a fuzzer: a live node (manager and backend in one) on a real
 * task root, and rounds of generated hostile entries dropped into its directories (types of
 * entries, names, encodings, sizes, truncations, task files whose file lists are hostile). After
 * each round a canary task must complete, and nothing outside the task root and the destination
 * may have changed (a hash of every other file under the test directory, the sources included).
 * At the end the node must have cleared every non-hidden entry out of pending/, inbox/, running/
 * and done/, and left hidden names alone.
 *
 * <p>Seeded: the seed is printed; {@code -Dfuzz.seed=N} replays a run, {@code -Dfuzz.rounds=N}
 * changes its length (default 100 rounds, about 40 s on 2 cores).
 */
class HostileTaskRootFuzzIT {
    private static final Duration CANARY_DEADLINE = Duration.ofSeconds(20);
    private static final Duration QUIESCE_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Path root;
    private Path src;
    private Path dest;
    private Path sentinel;
    private Random rnd;
    private int serial;
    private final List<String> archivedCanaries = new ArrayList<>();
    private final List<Path> hidden = new ArrayList<>();
    private final Map<Kind, Integer> generated = new EnumMap<>(Kind.class);

    /** What an entry is; {@link #outcome} is what the node must do with it. */
    enum Kind {
        DIRECTORY_NAMED_LIKE_A_TASK, LINK_TO_A_TASK_OUTSIDE, LINK_TO_A_FILE_OUTSIDE, LINK_TO_A_DIRECTORY_OUTSIDE,
        DANGLING_LINK, LINK_TO_A_DEVICE, LINK_LOOP, FIFO, NOT_A_TASK_NAME, HIDDEN_NAME, TASK_NAME_HOSTILE_CONTENT,
        COPY_OF_A_FINISHED_TASK, FOREIGN_ENTRY_IN_NODES;
    }

    @Test
    void hostileEntriesNeverStopTheCanaryNorChangeAnythingOutsideTheRootAndDestination() throws Exception {
        long seed = Long.getLong("fuzz.seed", new SecureRandom().nextLong());
        int rounds = Integer.getInteger("fuzz.rounds", 100);
        System.out.println("HostileTaskRootFuzzIT seed=" + seed + " rounds=" + rounds + " (replay: -Dfuzz.seed=" + seed + ")");
        rnd = new Random(seed);
        root = Files.createDirectories(dir.resolve("root"));
        src = Files.createDirectories(dir.resolve("src"));
        dest = Files.createDirectories(dir.resolve("dest"));
        sentinel = Files.createDirectories(dir.resolve("sentinel"));
        makeSentinelAndSources();
        String before = hashOutsideRootAndDestination();
        List<Long> latencies = new ArrayList<>();
        try (MigrationNode node = startNode()) {
            // A retry in back-off during the whole run: the condition under which foreign names used
            // to stay in pending/ for ever (defect 4).
            MigrationTask future = MigrationTask.builder().id(TaskIds.newId(Instant.now().plus(Duration.ofHours(1))))
                    .sourceRoot(src.toString()).addFile("a.txt", "future.txt").build();
            node.store().submit(future);
            for (int round = 0; round < rounds; round++) {
                int entries = 1 + rnd.nextInt(4);
                for (int e = 0; e < entries; e++) {
                    generate();
                }
                latencies.add(canary(node, round, seed));
                String now = hashOutsideRootAndDestination();
                if (!now.equals(before)) {
                    fail("round " + round + " (seed " + seed + "): something outside the task root and the destination"
                            + " changed");
                }
            }
            quiesce(future.id(), seed);
        }
        assertThat(hashOutsideRootAndDestination()).as("sentinel tree, seed %d", seed).isEqualTo(before);
        for (Path h : hidden) {
            assertThat(Files.exists(h, LinkOption.NOFOLLOW_LINKS)).as("hidden entry %s left alone, seed %d", h, seed)
                    .isTrue();
        }
        assertThat(dest.resolve("stolen.txt")).doesNotExist();
        report(seed, latencies);
    }

    // ------------------------------------------------------------------ generation

    private void generate() throws Exception {
        Kind kind = Kind.values()[rnd.nextInt(Kind.values().length)];
        if (kind == Kind.COPY_OF_A_FINISHED_TASK && archivedCanaries.isEmpty()) {
            kind = Kind.NOT_A_TASK_NAME;
        }
        generated.merge(kind, 1, Integer::sum);
        Path where = pickDirectory(kind);
        String id = TaskIds.newId(Instant.now().minusSeconds(rnd.nextInt(3600)));
        String name = taskName(where, id);
        Path p = where.resolve(name);
        switch (kind) {
            case DIRECTORY_NAMED_LIKE_A_TASK -> {
                Files.createDirectories(p);
                if (rnd.nextBoolean()) {
                    Files.writeString(p.resolve("inner.json"), taskJson(id, "a.txt", "inner.txt"));
                }
            }
            case LINK_TO_A_TASK_OUTSIDE -> {
                // Named after the task it points to where possible, so code that followed it would run it.
                Path t = outsideTasks.get(rnd.nextInt(outsideTasks.size()));
                Path named = where.resolve(taskName(where, t.getFileName().toString().replace(".json", "")));
                Files.createSymbolicLink(Files.exists(named, LinkOption.NOFOLLOW_LINKS) ? p : named, t);
            }
            case LINK_TO_A_FILE_OUTSIDE -> Files.createSymbolicLink(p, sentinel.resolve("secret.txt"));
            case LINK_TO_A_DIRECTORY_OUTSIDE -> Files.createSymbolicLink(p, sentinel.resolve("dir"));
            case DANGLING_LINK -> Files.createSymbolicLink(p, dir.resolve("nowhere-" + serial++));
            case LINK_TO_A_DEVICE -> Files.createSymbolicLink(p, Path.of(rnd.nextBoolean() ? "/dev/zero" : "/dev/null"));
            case LINK_LOOP -> Files.createSymbolicLink(p, p.getFileName());
            case FIFO -> mkfifo(p);
            case NOT_A_TASK_NAME -> {
                Path f;
                try {
                    f = where.resolve(foreignName(id));
                } catch (InvalidPathException e) {
                    f = where.resolve("not-utf8-jnu-" + serial++ + ".json"); // the JVM's file name encoding is not UTF-8
                }
                if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.write(f, randomBytes(rnd.nextInt(2048)));
                }
            }
            case HIDDEN_NAME -> {
                Path h = where.resolve(rnd.nextBoolean() ? ".nfs00000000" + Integer.toHexString(serial++ + 0x1000)
                        : "." + id + ".json");
                Files.writeString(h, taskJson(id, "a.txt", "hidden.txt"));
                hidden.add(h);
            }
            case TASK_NAME_HOSTILE_CONTENT -> writeHostileTask(p, id);
            case COPY_OF_A_FINISHED_TASK -> {
                String done = archivedCanaries.get(rnd.nextInt(archivedCanaries.size()));
                Path archived = archivedFile(done);
                Path active0 = root.resolve("pending").resolve(done + ".json");
                Path active = root.resolve(rnd.nextBoolean() ? "pending" : "nodes/n1/inbox").resolve(done + ".json");
                // An earlier round's copy of the same task may still sit where this one would go
                // (the leader has not rejected it yet): then that copy is this round's entry too.
                if (archived != null && !Files.exists(active0, LinkOption.NOFOLLOW_LINKS)
                        && !Files.exists(active, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(archived, active);
                }
            }
            case FOREIGN_ENTRY_IN_NODES -> {
                Path nodes = root.resolve("nodes");
                switch (rnd.nextInt(3)) {
                    case 0 -> Files.writeString(nodes.resolve("ghost-" + serial++), "not a node");
                    case 1 -> Files.createSymbolicLink(nodes.resolve("evil-" + serial++), sentinel.resolve("dir"));
                    default -> Files.createDirectories(nodes.resolve("bad name " + serial++).resolve("inbox"));
                }
            }
        }
    }

    /** Where an entry goes: mostly pending/, else the node's own directories and the terminal ones. */
    private Path pickDirectory(Kind kind) {
        if (kind == Kind.TASK_NAME_HOSTILE_CONTENT) {
            String[] dirs = {"pending", "pending", "pending", "nodes/n1/inbox", "nodes/n1/running"};
            return root.resolve(dirs[rnd.nextInt(dirs.length)]);
        }
        String[] dirs = {"pending", "pending", "pending", "pending", "nodes/n1/inbox", "nodes/n1/running", "done",
            "archive", "failed"};
        return root.resolve(dirs[rnd.nextInt(dirs.length)]);
    }

    /** A name the directory would give a task (so only the entry's type or content is wrong). */
    private String taskName(Path where, String id) {
        String d = where.getFileName().toString();
        return switch (d) {
            case "done", "archive" -> id + "~run-" + serial++ + ".json";
            case "failed" -> id + "~INVALID_JSON.json";
            default -> id + ".json";
        };
    }

    private String foreignName(String id) {
        String[] names = {
            "not-a-task.json", "bad~name-" + serial++ + ".json", "9".repeat(250) + ".json",
            "tâche-😀-" + serial++ + ".json", "with space " + serial++ + ".json", "new\nline" + serial++ + ".json",
            id + ".JSON", id, id + ".json.bak", id + ".json~", id + ".txt", id.substring(0, id.length() - 1) + ".json",
            "20261399T999999999Z-0123456789ab.json", "..json", "-" + serial++ + ".json",
        };
        return names[rnd.nextInt(names.length)];
    }

    /** A file named like a task whose content (encoding, size, truncation, file list) is hostile. */
    private void writeHostileTask(Path p, String id) throws IOException {
        String good = taskJson(id, "a.txt", "fz-" + serial++ + ".txt");
        byte[] bytes;
        switch (rnd.nextInt(16)) {
            case 0 -> bytes = randomBytes(rnd.nextInt(65536));
            case 1 -> bytes = good.substring(0, rnd.nextInt(good.length())).getBytes(StandardCharsets.UTF_8);
            case 2 -> bytes = good.getBytes(StandardCharsets.UTF_16);
            case 3 -> {
                byte[] g = good.getBytes(StandardCharsets.UTF_8);
                bytes = new byte[g.length + 3];
                bytes[0] = (byte) 0xEF;
                bytes[1] = (byte) 0xBB;
                bytes[2] = (byte) 0xBF;
                System.arraycopy(g, 0, bytes, 3, g.length);
            }
            case 4 -> bytes = taskJson(id, "caf\u00e9.txt", "t").getBytes(StandardCharsets.ISO_8859_1);
            case 5 -> bytes = taskJson(id, "../sentinel/secret.txt", "x").getBytes(StandardCharsets.UTF_8);
            case 6 -> bytes = taskJson(id, "/etc/passwd", "x").getBytes(StandardCharsets.UTF_8);
            case 7 -> bytes = taskJson(id, "a.txt", "../escape-" + serial++).getBytes(StandardCharsets.UTF_8);
            case 8 -> bytes = taskJson(id, "link-to-secret.txt", "leak-" + serial++).getBytes(StandardCharsets.UTF_8);
            case 9 -> bytes = taskJson(id, "missing-" + serial++ + ".txt", "m").getBytes(StandardCharsets.UTF_8);
            case 10 -> {
                StringBuilder b = new StringBuilder("{\"schemaVersion\":1,\"id\":\"" + id
                        + "\",\"createdAt\":\"2026-11-25T08:00:00Z\",\"attempt\":1,\"sourceRoot\":\"" + src + "\",\"files\":[");
                for (int i = 0; i < 501; i++) {
                    b.append(i == 0 ? "" : ",").append("{\"source\":\"f").append(i).append("\",\"target\":\"t").append(i)
                            .append("\"}");
                }
                bytes = b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            }
            case 11 -> bytes = "[".repeat(5000 + rnd.nextInt(5000)).getBytes(StandardCharsets.UTF_8);
            case 12 -> bytes = "{\"a\":".repeat(3000).getBytes(StandardCharsets.UTF_8);
            case 13 -> bytes = good.replace("\"schemaVersion\":1", "\"schemaVersion\":99").getBytes(StandardCharsets.UTF_8);
            case 14 -> bytes = taskJson(TaskIds.newId(Instant.now()), "a.txt", "mismatch").getBytes(StandardCharsets.UTF_8);
            default -> bytes = new byte[0];
        }
        Files.write(p, bytes);
        if (rnd.nextInt(20) == 0) {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(17L * 1024 * 1024); // sparse, over the 16 MiB limit
            }
        }
    }

    private String taskJson(String id, String source, String target) {
        return "{\"schemaVersion\":1,\"id\":\"" + id + "\",\"createdAt\":\"2026-11-25T08:00:00Z\",\"attempt\":1,"
                + "\"sourceRoot\":\"" + src + "\",\"files\":[{\"source\":\"" + source + "\",\"target\":\"" + target + "\"}]}";
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------ canary, end state, report

    private long canary(MigrationNode node, int round, long seed) {
        long start = System.nanoTime();
        String key = "canary-" + round + ".txt";
        String id = node.submitter().submit(src.toString(), List.of(new FileEntry("a.txt", key)), Map.of());
        await().atMost(CANARY_DEADLINE).pollInterval(Duration.ofMillis(20))
                .alias("round " + round + " (seed " + seed + "): canary " + id + " archived")
                .until(() -> node.status().status(id).map(st -> st.state() == TaskState.ARCHIVED).orElse(false));
        archivedCanaries.add(id);
        assertThat(dest.resolve(key)).hasContent("alpha");
        return System.nanoTime() - start;
    }

    /** Every non-hidden entry leaves pending/, inbox/, running/ and done/ (the future task excepted). */
    private void quiesce(String futureId, long seed) {
        await().atMost(QUIESCE_DEADLINE).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .untilAsserted(() -> assertThat(leftInActiveDirectories(futureId)).as("seed %d", seed).isEmpty());
    }

    private List<String> leftInActiveDirectories(String futureId) throws IOException {
        {
            List<String> left = new ArrayList<>();
            for (String d : List.of("pending", "nodes/n1/inbox", "nodes/n1/running", "done")) {
                for (String n : stateNames(root.resolve(d))) {
                    if (!n.startsWith(".") && !n.equals(futureId + ".json")) {
                        left.add(d + "/" + n);
                    }
                }
            }
            for (String n : names(root.resolve("nodes"))) {
                if (!n.equals("n1")) {
                    left.add("nodes/" + n);
                }
            }
            return left;
        }
    }

    private void report(long seed, List<Long> latencies) throws IOException {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (String n : names(root.resolve("rejected"))) {
            outcomes.merge("rejected/" + n.split("~")[1], 1, Integer::sum);
        }
        for (String n : stateNames(root.resolve("failed"))) {
            if (n.startsWith(".")) {
                continue; // a hidden entry the fuzzer put there
            }
            String[] parts = n.replace(".json", "").split("~");
            outcomes.merge("failed/" + (parts.length > 1 ? parts[1] : "?"), 1, Integer::sum);
        }
        int archived = 0;
        for (String n : stateNames(root.resolve("archive"))) {
            String[] parts = n.replace(".json", "").split("~");
            if (n.startsWith(".")) {
                continue;
            }
            if (parts.length > 1 && parts[1].matches("[A-Z_]+")) {
                // failed/ tasks are published and archived under their failed/ name
                outcomes.merge("failed/" + parts[1] + " (published, archived)", 1, Integer::sum);
            } else {
                archived++;
            }
        }
        outcomes.put("archive (canaries " + archivedCanaries.size() + " included)", archived);
        outcomes.put("hidden left alone", hidden.size());
        List<Long> sorted = latencies.stream().sorted().collect(Collectors.toList());
        int total = generated.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("HostileTaskRootFuzzIT seed=%d: %d entries generated %s%n", seed, total, generated);
        System.out.printf("HostileTaskRootFuzzIT outcomes: %s%n", outcomes);
        System.out.printf("HostileTaskRootFuzzIT canary latency over %d rounds: p50 %d ms, p95 %d ms, max %d ms;"
                + " sentinel tree unchanged after every round%n", sorted.size(), ms(sorted, 0.5), ms(sorted, 0.95),
                sorted.get(sorted.size() - 1) / 1_000_000);
    }

    private static long ms(List<Long> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size()))) / 1_000_000;
    }

    // ------------------------------------------------------------------ fixtures

    private final List<Path> outsideTasks = new ArrayList<>();

    private void makeSentinelAndSources() throws IOException {
        Files.writeString(src.resolve("a.txt"), "alpha");
        Files.writeString(sentinel.resolve("secret.txt"), "must never be read into the destination nor changed");
        Files.createDirectories(sentinel.resolve("dir/sub"));
        Files.writeString(sentinel.resolve("dir/sub/file.bin"), "x".repeat(1000));
        Files.createDirectories(sentinel.resolve("tasks"));
        for (int i = 0; i < 12; i++) {
            String id = TaskIds.newId(Instant.now().minusSeconds(60 + i));
            Path t = sentinel.resolve("tasks").resolve(id + ".json");
            // Half would copy a file from outside the source root, half a real source: either way a
            // node following the link would execute a task that is not in the task root, and append to it.
            Files.writeString(t, i % 2 == 0 ? taskJson(id, "../sentinel/secret.txt", "stolen.txt")
                    : taskJson(id, "a.txt", "stolen.txt"));
            outsideTasks.add(t);
        }
        Files.createSymbolicLink(src.resolve("link-to-secret.txt"), sentinel.resolve("secret.txt"));
    }

    /**
     * Type, size, modification time, content (regular files) and link target of every entry under
     * the test directory except the task root and the destination, without following links.
     */
    private String hashOutsideRootAndDestination() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                if (d.equals(root) || d.equals(dest)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                md.update(("D " + dir.relativize(d) + " " + a.lastModifiedTime() + "\n").getBytes(StandardCharsets.UTF_8));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                md.update(("F " + dir.relativize(f) + " " + a.size() + " " + a.lastModifiedTime() + " "
                        + (a.isSymbolicLink() ? Files.readSymbolicLink(f) : "") + "\n").getBytes(StandardCharsets.UTF_8));
                if (a.isRegularFile()) {
                    try (InputStream in = Files.newInputStream(f)) {
                        md.update(in.readAllBytes());
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return HexFormat.of().formatHex(md.digest());
    }

    private MigrationNode startNode() {
        return NodeFixture.builder("n1").root(root).sources(src).posixTarget(dest)
                .ticks(Duration.ofMillis(100), Duration.ofMillis(300)).start();
    }

    private Path archivedFile(String id) throws IOException {
        for (Path p : stateEntries(root.resolve("archive"))) {
            if (p.getFileName().toString().startsWith(id + "~")) {
                return p;
            }
        }
        return null;
    }

    private static void mkfifo(Path p) throws Exception {
        Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        if (proc.waitFor() != 0) {
            throw new IOException("mkfifo failed: " + new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

}
