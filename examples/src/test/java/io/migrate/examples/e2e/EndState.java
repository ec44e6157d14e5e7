package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migrate.kafka.testing.TopicReader;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileResult;
import io.migrate.task.StoredTask;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The end state every scenario must reach, checked the same way for all:
 * <ol>
 *   <li>every task (and every retry task) is in {@code archive/}, its result published, nothing
 *       left in incoming, pending, an inbox, running, done or failed (failed tasks are published
 *       and archived too); a task that ended failed keeps its reason in its name;</li>
 *   <li>every expected target object exists exactly once with the source's bytes (SHA-256 of both)
 *       and no other object exists (nothing lost, nothing stray, nothing torn);</li>
 *   <li>no temporary object under {@code .migrate-tmp/} and no open multipart upload;</li>
 *   <li>Kafka holds, after dedup by the {@code migrate-result-id} header, exactly the results of
 *       the archived tasks (finished and failed ones), and exactly one {@code final} result per
 *       submitted request ({@code rootTaskId}), whatever the path its tasks took;</li>
 *   <li>every failed file in a result carries an error code.</li>
 * </ol>
 * Prints the scenario's summary line to stdout (it lands in the failsafe report).
 */
final class EndState {
    /**
     * How long the task root may show no progress at all before a wait fails
     * ({@code -De2e.settleSeconds}): waits have deadlines on progress, not on total time, so a
     * loaded machine that is slow but moving never fails them.
     */
    static final Duration NO_PROGRESS = Duration.ofSeconds(Long.getLong("e2e.settleSeconds", 120));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<TaskState> UNFINISHED = Set.of(TaskState.INCOMING, TaskState.PENDING, TaskState.INBOX,
            TaskState.RUNNING, TaskState.DONE, TaskState.FAILED);

    /**
     * What the scenario can look at after the checks passed.
     *
     * @param archived tasks that finished through done/ (readable, with their result)
     * @param failed tasks that ended failed (archived from failed/; the name carries the code)
     */
    record Report(List<StoredTask> archived, List<TaskRef> failed, List<JsonNode> results,
            Map<String, List<FileResult>> fileResultsByTarget, long bytes, long duplicateMessages) {
        /** @return every error code any attempt reported for a target key */
        Set<String> codesFor(String targetKey) {
            return fileResultsByTarget.getOrDefault(targetKey, List.of()).stream()
                    .filter(f -> f.code() != null).map(f -> f.code().name()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private EndState() {
    }

    /** @return whether nothing is left to do on the task root */
    static boolean settled(DirectoryTaskStore store) {
        for (TaskState s : UNFINISHED) {
            try (Stream<TaskRef> refs = store.list(s)) {
                if (refs.findAny().isPresent()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Waits until the task root is settled, failing at once if a node process died on its own and
     * when no task changed state for {@link #NO_PROGRESS}.
     */
    static void awaitSettled(E2eCluster c) {
        awaitProgress(c, "tasks settled", () -> settled(c.store), () -> progress(c));
    }

    /**
     * Waits until {@code done}, however long that takes while {@code progress} keeps changing;
     * fails when it stays the same for {@link #NO_PROGRESS}, or at once when a node process died on
     * its own.
     *
     * @param what for the failure message
     * @param done the condition
     * @param progress any value that changes while the scenario makes progress
     */
    static void awaitProgress(E2eCluster c, String what, BooleanSupplier done, Supplier<?> progress) {
        Object[] last = {progress.get()};
        long[] lastChange = {System.nanoTime()};
        await(what + " in " + c.name).forever().pollInterval(Duration.ofMillis(300))
                .failFast("a node process died on its own", c::anyDied)
                .until(() -> {
                    if (done.getAsBoolean()) {
                        return true;
                    }
                    Object now = progress.get();
                    if (!now.equals(last[0])) {
                        last[0] = now;
                        lastChange[0] = System.nanoTime();
                    } else if (System.nanoTime() - lastChange[0] > NO_PROGRESS.toNanos()) {
                        throw new AssertionError("no progress for " + NO_PROGRESS + " while waiting for " + what
                                + " in " + c.name + " (task root: " + now + ")");
                    }
                    return false;
                });
    }

    /** @return how many tasks each state of the task root holds: changes whenever a task moves */
    static List<Long> progress(E2eCluster c) {
        List<Long> counts = new ArrayList<>();
        for (TaskState s : TaskState.values()) {
            try (Stream<TaskRef> refs = c.store.list(s)) {
                counts.add(refs.count());
            }
        }
        return counts;
    }

    /**
     * Waits for the end state, checks it and prints the summary line.
     *
     * @param c the cluster
     * @param w what was submitted and expected
     * @param startNanos when the scenario started
     * @return what the scenario may check further
     */
    static Report verify(E2eCluster c, Workload w, long startNanos) {
        try {
            return check(c, w, startNanos);
        } catch (AssertionError | RuntimeException e) {
            System.out.println("E2E " + c.name + " FAILED (seed " + w.seed + "): " + e.getMessage());
            throw new AssertionError(e.getMessage() + "\nseed " + w.seed + "; node logs in " + c.logs
                    + c.allOutput(), e);
        }
    }

    private static Report check(E2eCluster c, Workload w, long startNanos) {
        awaitSettled(c);
        // 1. every task archived with its result; failed ones keep their reason in the name
        List<StoredTask> archived = new ArrayList<>();
        List<TaskRef> failed = new ArrayList<>();
        Set<String> resultIds = new TreeSet<>();
        Set<String> finished = new TreeSet<>();
        Map<String, List<FileResult>> byTarget = new LinkedHashMap<>();
        try (Stream<TaskRef> refs = c.store.list(TaskState.ARCHIVED)) {
            for (TaskRef ref : refs.toList()) {
                TaskResult r = c.store.result(ref).orElseThrow(() -> new AssertionError("archived task without result " + ref));
                resultIds.add(r.resultId());
                finished.add(ref.taskId());
                for (FileResult f : r.files()) {
                    if (!f.succeeded()) {
                        assertThat(f.code()).as("failed file %s in %s has a code", f.targetKey(), r.resultId()).isNotNull();
                    }
                }
                if (DirectoryTaskStore.failureCode(ref).isPresent()) {
                    failed.add(ref);
                    continue;
                }
                StoredTask t = c.store.read(ref).orElseThrow(() -> new AssertionError("unreadable " + ref));
                archived.add(t);
                for (FileResult f : r.files()) {
                    byTarget.computeIfAbsent(f.targetKey(), k -> new ArrayList<>()).add(f);
                }
            }
        }
        assertThat(finished).as("every submitted task archived (finished or failed)").containsAll(w.taskIds());
        // 2. objects: exactly the expected keys, each with the source's bytes
        Map<String, Path> expected = new TreeMap<>(w.expected());
        await("no temporary objects or multipart uploads in " + c.name).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    assertThat(objects(c, UploadTracker.TEMP_PREFIX)).as("temporary objects").isEmpty();
                    assertThat(c.s3().listMultipartUploads(b -> b.bucket(E2eCluster.BUCKET)).uploads())
                            .as("open multipart uploads").isEmpty();
                });
        List<String> keys = objects(c, "").stream().map(S3Object::key).toList();
        Set<String> missing = new TreeSet<>(expected.keySet());
        keys.forEach(missing::remove);
        Set<String> stray = new TreeSet<>(keys);
        stray.removeAll(expected.keySet());
        List<String> torn = new ArrayList<>();
        for (Map.Entry<String, byte[]> t : w.tolerated().entrySet()) {
            if (stray.remove(t.getKey()) && !Arrays.equals(
                    c.s3().getObjectAsBytes(b -> b.bucket(E2eCluster.BUCKET).key(t.getKey())).asByteArray(), t.getValue())) {
                torn.add(t.getKey());
            }
        }
        long bytes = 0;
        for (Map.Entry<String, Path> e : expected.entrySet()) {
            if (missing.contains(e.getKey())) {
                continue;
            }
            String want = sha256(e.getValue());
            try (ResponseInputStream<GetObjectResponse> in = c.s3().getObject(b -> b.bucket(E2eCluster.BUCKET)
                    .key(e.getKey()))) {
                String got = sha256(in);
                if (!got.equals(want)) {
                    torn.add(e.getKey());
                }
                bytes += in.response().contentLength();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        assertThat(missing).as("lost: expected objects missing").isEmpty();
        assertThat(torn).as("torn: objects whose bytes differ from the source").isEmpty();
        assertThat(stray).as("objects nobody expected (moved although they must not be)").isEmpty();
        // 3. one result per archived attempt in Kafka, after dedup by result id, and one final
        //    result per submitted request
        List<JsonNode> results = new ArrayList<>();
        long duplicates;
        try (TopicReader reader = new TopicReader(c.servers.kafka.bootstrapServers(), c.topic)) {
            reader.awaitResultIds(resultIds.size(), Duration.ofSeconds(60));
            List<ConsumerRecord<byte[], byte[]>> records = reader.drainFor(Duration.ofSeconds(1));
            Map<String, List<ConsumerRecord<byte[], byte[]>>> byId = TopicReader.byResultId(records);
            assertThat(new TreeSet<>(byId.keySet())).as("result ids in Kafka = archived attempts (finished and failed)")
                    .isEqualTo(resultIds);
            duplicates = records.size() - byId.size();
            for (List<ConsumerRecord<byte[], byte[]>> rs : byId.values()) {
                results.add(JSON.readTree(rs.get(0).value()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, List<String>> finalsByRequest = assertOneFinalResultPerRequest(results, w.taskIds());
        long seconds = Duration.ofNanos(System.nanoTime() - startNanos).toSeconds();
        System.out.printf("E2E %s: tasks=%d files=%d bytes=%d kills=%d time=%ds lost=%d torn=%d"
                        + " (archived=%d failed=%d results=%d finalResults=%d duplicateMessages=%d seed=%d)%n",
                c.name, w.taskIds().size(), w.fileEntries(), bytes, c.kills(), seconds, missing.size(), torn.size(),
                archived.size(), failed.size(), resultIds.size(), finalsByRequest.size(), duplicates, w.seed);
        return new Report(archived, failed, results, byTarget, bytes, duplicates);
    }

    /**
     * Exactly one {@code final} result per submitted request ({@code rootTaskId}), and no final
     * result of a request nobody submitted.
     *
     * @param results the published results, one per result id (deduped)
     * @param requests the task ids the scenario submitted
     * @return the final result ids by request
     */
    static Map<String, List<String>> assertOneFinalResultPerRequest(List<JsonNode> results, List<String> requests) {
        Map<String, List<String>> finalsByRequest = new TreeMap<>();
        for (JsonNode r : results) {
            if (r.path("final").asBoolean(false)) {
                finalsByRequest.computeIfAbsent(r.path("rootTaskId").asText(), k -> new ArrayList<>())
                        .add(r.path("resultId").asText());
            }
        }
        Map<String, List<String>> notExactlyOne = new TreeMap<>();
        for (String request : requests) {
            List<String> finals = finalsByRequest.getOrDefault(request, List.of());
            if (finals.size() != 1) {
                notExactlyOne.put(request, finals);
            }
        }
        assertThat(notExactlyOne).as("submitted requests without exactly one final result (request -> finals)").isEmpty();
        assertThat(new TreeSet<>(requests)).as("final results belong to submitted requests")
                .containsAll(finalsByRequest.keySet());
        return finalsByRequest;
    }

    /**
     * @param records result records as read from the topic
     * @return one JSON value per result id (the first record of each)
     */
    static List<JsonNode> dedupedResults(List<ConsumerRecord<byte[], byte[]>> records) {
        List<JsonNode> results = new ArrayList<>();
        try {
            for (List<ConsumerRecord<byte[], byte[]>> rs : TopicReader.byResultId(records).values()) {
                results.add(JSON.readTree(rs.get(0).value()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return results;
    }

    /** The name S3Proxy's filesystem store gives a PUT's body until it is complete (jclouds: key + "-" + UUID). */
    private static final java.util.regex.Pattern S3PROXY_PUT_IN_FLIGHT = java.util.regex.Pattern.compile(
            ".*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * The objects under {@code prefix} once no PUT is in flight (the transport's temporary prefix
     * left out when listing everything). S3Proxy's filesystem store writes a PUT's body to
     * {@code <key>-<UUID>} and renames it when the body is complete, so a PUT in flight lists as an
     * object of that name: a zombie woken as the run settled may still be sending one (its commit
     * then refused or fenced). The end state is what is left when they are done; a name of that
     * shape that stays for a minute fails here.
     */
    static List<S3Object> objects(E2eCluster c, String prefix) {
        List<S3Object> out = new ArrayList<>();
        await("S3Proxy's PUTs in flight to end").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    out.clear();
                    c.s3().listObjectsV2Paginator(b -> b.bucket(E2eCluster.BUCKET).prefix(prefix)).contents()
                            .forEach(o -> {
                                if (!prefix.isEmpty() || !o.key().startsWith(UploadTracker.TEMP_PREFIX)) {
                                    out.add(o);
                                }
                            });
                    return out.stream().noneMatch(o -> S3PROXY_PUT_IN_FLIGHT.matcher(o.key()).matches());
                });
        return out;
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
    }
}
