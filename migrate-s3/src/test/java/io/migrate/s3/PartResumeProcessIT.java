package io.migrate.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.FileOutcome;
import io.migrate.task.TaskResult;
import io.migrate.s3.testing.EmbeddedS3;
import io.migrate.move.PartLedgers;
import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskState;
import io.migrate.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's resume acceptance with real processes: a backend JVM uploading one large file to
 * S3Proxy (filesystem store) is SIGKILLed when its part ledger on the task root covers half the
 * file; the test, as the leader, reclaims the task to a second backend JVM, which finishes it. The
 * second attempt must send at most {@code threads × range size} bytes beyond what the first had
 * not stored, and the object must be byte-equal to the source. With the source rewritten between
 * the two attempts, the second starts over and the object holds the new content.
 *
 * <p>256 MiB by default (CI); {@code -Dmigrate.resume.mib=1024} for the 1 GiB run. Prints one
 * {@code RESUME ...} line per scenario with the bytes of each attempt.
 */
class PartResumeProcessIT {
    private static final long MIB = 1 << 20;
    private static final long SIZE = Long.getLong("migrate.resume.mib", 256) * MIB;
    private static final int THREADS = 4;
    private static final long RANGE = 8 * MIB;
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final Pattern STATS = Pattern.compile("RESUME-STATS node=\\S+ written=(\\d+) resumed=(\\d+)"
            + " ledgerWrites=(\\d+) ledgerBytes=(\\d+) ledgerNanos=(\\d+)");

    @TempDir
    Path tmp;

    /** How the first backend stops half way. */
    private enum Fault {
        /** SIGKILL, source unchanged. */
        KILLED,
        /** SIGKILL, then the source is rewritten (same size, other bytes). */
        KILLED_AND_REWRITTEN,
        /** SIGSTOP past its lease; SIGCONT once the second backend has resumed its upload (a zombie). */
        PAUSED
    }

    /** Where the object goes: S3Proxy (filesystem store, per scenario) or the shared Ceph RGW 16. */
    enum Server {
        S3PROXY, RGW
    }

    static Stream<Arguments> killed() {
        return servers().map(s -> Arguments.of(s));
    }

    private static Stream<Server> servers() {
        return S3Stores.rgwEnabled() ? Stream.of(Server.S3PROXY, Server.RGW) : Stream.of(Server.S3PROXY);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killed")
    void aBackendKilledHalfWayIsFinishedByAnotherSendingOnlyWhatWasMissing(Server server) throws Exception {
        run(Fault.KILLED, server);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("killed")
    void aSourceRewrittenBetweenTheAttemptsMakesTheSecondStartOverWithTheNewContent(Server server) throws Exception {
        run(Fault.KILLED_AND_REWRITTEN, server);
    }

    /**
     * The first backend is stopped, not killed, and continued while the second resumes the upload it
     * started (the same upload id): the zombie sends parts into it, then finds its task gone at its
     * next lease renewal and stops without aborting the upload its ledger names. The object is
     * byte-equal and the task is done once, by the second backend.
     */
    @Test
    void aPausedBackendWakingUpWhileAnotherResumesItsUploadSpoilsNothing() throws Exception {
        run(Fault.PAUSED, Server.S3PROXY);
    }

    private void run(Fault fault, Server server) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path root = Files.createDirectories(tmp.resolve("task-root"));
        // kept after the run, next to the failsafe reports, for a look at what each node did
        Path logs = Path.of("target", "part-resume-logs", server + "-" + fault);
        String first = write(src.resolve("big.bin"), 1);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        store.registerNode("n1");
        store.registerNode("n2");

        String prefix = "resume/" + fault + "/";
        String key = prefix + "big.bin";
        MigrationTask task = MigrationTask.builder().id(TaskIds.newId(Instant.now())).sourceRoot(src.toString())
                .addFile("big.bin", key).build();
        store.move(store.submit(task), TaskState.INBOX, "n1");
        try (EmbeddedS3 proxy = server == Server.S3PROXY ? EmbeddedS3.startFilesystem(tmp.resolve("s3"),
                S3TestSupport.BUCKET) : null) {
            S3Stores.Store s3 = proxy != null ? new S3Stores.Store("S3Proxy", proxy.endpoint(), EmbeddedS3.ACCESS_KEY,
                    EmbeddedS3.SECRET_KEY, null) : S3Stores.rgw();
            try {
                scenario(fault, server, store, task, s3, src, root, logs, first);
            } finally {
                if (s3.isRgw()) {
                    s3.clean(prefix); // RGW keeps its data in RAM
                }
            }
        }
    }

    private void scenario(Fault fault, Server server, DirectoryTaskStore store, MigrationTask task, S3Stores.Store s3,
            Path src, Path root, Path logs, String first) throws Exception {
        boolean rewrite = fault == Fault.KILLED_AND_REWRITTEN;
        String key = task.files().get(0).targetKey();
        ChildJvm n1 = node("n1", root, s3, src, logs);
        long recorded;
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while ((recorded = PartLedgers.recordedBytes(store, task.id(), 0)) < SIZE / 2) {
            assertThat(n1.isAlive()).as("n1 alive").isTrue();
            assertThat(System.nanoTime()).as("n1 records half the file in time").isLessThan(deadline);
            Thread.sleep(10); // polling the ledger with a deadline
        }
        if (fault == Fault.PAUSED) {
            signal(n1, "STOP");
        } else {
            n1.kill(); // SIGKILL
            n1.close();
        }
        recorded = PartLedgers.recordedBytes(store, task.id(), 0); // nothing changes after the kill or stop
        String expected = first;
        if (rewrite) {
            expected = write(src.resolve("big.bin"), 2);
        }
        // the test is the leader: n1 is dead, its running task goes back and on to n2
        TaskRef running = store.find(task.id()).orElseThrow();
        assertThat(running.state()).isEqualTo(TaskState.RUNNING);
        store.move(running, TaskState.PENDING, null);
        store.move(store.find(task.id()).orElseThrow(), TaskState.INBOX, "n2");

        ChildJvm n2 = node("n2", root, s3, src, logs);
        String out;
        try {
            if (fault == Fault.PAUSED) {
                // continue the zombie once n2 has resumed its upload and sends parts into it
                while (!n2.output().contains("resuming the upload of an earlier run")) {
                    assertThat(n2.isAlive()).as("n2 alive").isTrue();
                    assertThat(System.nanoTime()).as("n2 resumes in time").isLessThan(deadline);
                    Thread.sleep(10);
                }
                signal(n1, "CONT");
            }
            assertThat(n2.awaitExit(DEADLINE)).as(n2.output()).isZero();
            out = n2.output();
        } finally {
            n2.close();
            if (fault == Fault.PAUSED) {
                assertThat(n1.awaitExit(DEADLINE)).as("the zombie ends when the task is done").isZero();
                String zombie = n1.output();
                System.out.printf("RESUME zombie n1: %s%n", zombie.lines().filter(l -> l.contains("RESUME-STATS")
                        || l.contains("no longer owned") || l.contains("kept for the next run")).toList());
                n1.close();
            }
        }
        Matcher m = STATS.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        long written = Long.parseLong(m.group(1));
        long resumed = Long.parseLong(m.group(2));
        long missing = SIZE - recorded;
        System.out.printf("RESUME %s %s: %d MiB file, threads %d x range %d MiB; attempt 1 (n1) recorded %d"
                + " bytes (%.0f %%); attempt 2 (n2) sent %d bytes, resumed %d, missing was %d, beyond missing %d"
                + " (bound %d); n2 ledger writes %s, %s bytes, %.1f ms%n", server, fault,
                SIZE / MIB, THREADS, RANGE / MIB, recorded, 100.0 * recorded / SIZE, written, resumed, missing,
                written - missing, THREADS * RANGE, m.group(3), m.group(4), Long.parseLong(m.group(5)) / 1e6);

        TaskRef done = store.find(task.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(TaskState.DONE);
        TaskResult result = store.result(done).orElseThrow();
        assertThat(result.files().get(0).outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(sha256(s3, key)).isEqualTo(expected);
        assertThat(result.runId()).as("the second backend's run is the result").isNotNull();
        assertThat(result.node()).isEqualTo("n2");
        if (rewrite) {
            assertThat(resumed).isZero();
            assertThat(written).isEqualTo(SIZE);
        } else if (fault == Fault.PAUSED) {
            assertThat(resumed).isGreaterThan(0);
        } else {
            assertThat(resumed).isGreaterThanOrEqualTo(recorded);
            assertThat(written + resumed).isEqualTo(SIZE);
            assertThat(written).isLessThanOrEqualTo(missing + THREADS * RANGE);
        }
    }

    private static void signal(ChildJvm p, String signal) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    private static ChildJvm node(String name, Path root, S3Stores.Store s3, Path src, Path logs) throws IOException {
        return ChildJvm.start(name, logs, ResumeNodeMain.class, List.of("-Xmx256m"), root.toString(), name,
                s3.endpoint().toString(), s3.accessKey(), s3.secretKey(), src.toString(), Integer.toString(THREADS),
                Long.toString(RANGE));
    }

    private static String write(Path p, long seed) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        Random rnd = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long n = 0; n < SIZE; n += buf.length) {
                rnd.nextBytes(buf);
                out.write(buf);
                d.update(buf);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** The object's SHA-256, read back through a plain client. */
    private static String sha256(S3Stores.Store s3, String key) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (S3Client c = s3.client();
                InputStream in = c.getObject(b -> b.bucket(S3TestSupport.BUCKET).key(key))) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
