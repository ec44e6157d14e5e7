package io.migrate.move;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileOutcome;
import io.migrate.task.MigrationTask;
import io.migrate.task.TaskIds;
import io.migrate.task.TaskRef;
import io.migrate.task.TaskResult;
import io.migrate.task.TaskState;
import io.migrate.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's resume acceptance POSIX → POSIX with real processes (the counterpart of migrate-s3's
 * {@code PartResumeProcessIT}, which covers S3): a backend JVM copying one 256 MiB file into a POSIX
 * directory (its range writes after the 24th of 32 hang, so it cannot finish first) is SIGKILLed when
 * its part ledger on the task root covers half the file; the test, as the leader, moves the task back
 * to pending and on to a second backend JVM, which must resume from the temporary file's verified
 * ranges: it sends at most {@code threads × range size} bytes beyond what the first had not recorded,
 * and the target is byte-equal to the source. The same with a file of 1,200 ranges of 64 KiB, killed
 * late. Prints one {@code RESUME POSIX-KILLED...} line per case.
 */
class PosixPartResumeProcessIT {
    private static final long MIB = 1 << 20;
    private static final int THREADS = 4;
    /** The whole scenario, both backends included; well under a minute on 2 cores. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(50);
    private static final Pattern STATS = Pattern.compile("RESUME-STATS node=\\S+ written=(\\d+) resumed=(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void aBackendKilledHalfWayIsFinishedByAnotherSendingOnlyWhatWasMissing() throws Exception {
        // 32 ranges of 8 MiB; n1's range writes after the 24th hang: it cannot finish before the kill
        killAndResume("POSIX-KILLED", 256 * MIB, 8 * MIB, 24, 128 * MIB);
    }

    /**
     * A file of more than 800 ranges (1,200 × 64 KiB), killed while it writes, once 900 are recorded
     * (its writes after the 1,150th hang, so it cannot finish first): the part ledger journal
     * records every range as it finishes (the whole-file ledger it replaced was rewritten only every
     * size / 64 KiB ranges past 800), so the bound holds for any number of ranges, and a record the
     * kill tore is dropped.
     */
    @Test
    void aBackendKilledLateInAFileOfManyRangesIsFinishedSendingOnlyWhatWasMissing() throws Exception {
        killAndResume("POSIX-KILLED-MANY", 1200 * (64L << 10), 64L << 10, 1150, 900 * (64L << 10));
    }

    private void killAndResume(String name, long size, long range, int stallAfter, long killAt) throws Exception {
        long start = System.nanoTime();
        long deadline = start + DEADLINE_NANOS;
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Path root = Files.createDirectories(tmp.resolve("task-root"));
        Path logs = Path.of("target", "part-resume-logs", name); // kept for a look after the run
        String expected = write(src.resolve("big.bin"), size);
        DirectoryTaskStore store = DirectoryTaskStore.builder().root(root).build();
        store.registerNode("n1");
        store.registerNode("n2");
        MigrationTask task = MigrationTask.builder().id(TaskIds.newId(Instant.now())).sourceRoot(src.toString())
                .addFile("big.bin", "resume/big.bin").build();
        store.move(store.submit(task), TaskState.INBOX, "n1");

        long recorded;
        try (ChildJvm n1 = node("n1", root, dst, src, logs, range, Integer.toString(stallAfter))) {
            while ((recorded = PartLedgers.recordedBytes(store, task.id(), 0)) < killAt) {
                assertThat(n1.isAlive()).as("n1 alive: %s", n1.output()).isTrue();
                assertThat(System.nanoTime()).as("n1 records half the file in time").isLessThan(deadline);
                Thread.sleep(10); // polling the ledger with a deadline
            }
            n1.kill(); // SIGKILL
        }
        recorded = PartLedgers.recordedBytes(store, task.id(), 0); // nothing changes after the kill
        // the test is the leader: n1 is dead, its running task goes back and on to n2
        TaskRef running = store.find(task.id()).orElseThrow();
        assertThat(running.state()).isEqualTo(TaskState.RUNNING);
        store.move(running, TaskState.PENDING, null);
        store.move(store.find(task.id()).orElseThrow(), TaskState.INBOX, "n2");

        String out;
        try (ChildJvm n2 = node("n2", root, dst, src, logs, range)) {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            assertThat(n2.awaitExit(java.time.Duration.ofMillis(left))).as(n2.output()).isZero();
            out = n2.output();
        }
        Matcher m = STATS.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        long written = Long.parseLong(m.group(1));
        long resumed = Long.parseLong(m.group(2));
        long missing = size - recorded;
        System.out.printf("RESUME %s: %d MiB file, threads %d x range %d KiB (%d ranges); attempt 1 (n1) recorded %d"
                + " bytes (%.0f %%); attempt 2 (n2) sent %d bytes, resumed %d, missing was %d, beyond missing %d"
                + " (bound %d); %.1f s%n", name, size / MIB, THREADS, range >> 10, size / range, recorded,
                100.0 * recorded / size,
                written, resumed, missing, written - missing, THREADS * range, (System.nanoTime() - start) / 1e9);

        TaskRef done = store.find(task.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(TaskState.DONE);
        TaskResult result = store.result(done).orElseThrow();
        assertThat(result.files().get(0).outcome()).isEqualTo(FileOutcome.COPIED);
        assertThat(result.node()).isEqualTo("n2");
        assertThat(resumed).isGreaterThanOrEqualTo(recorded);
        assertThat(written + resumed).isEqualTo(size);
        assertThat(written).isLessThanOrEqualTo(missing + THREADS * range);
        assertThat(sha256(dst.resolve("resume/big.bin"))).isEqualTo(expected);
    }

    private static ChildJvm node(String name, Path root, Path dst, Path src, Path logs, long range, String... extra)
            throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of(root.toString(), name, dst.toString(), src.toString(),
                Integer.toString(THREADS), Long.toString(range)));
        args.addAll(List.of(extra));
        return ChildJvm.start(name, logs, PosixResumeNodeMain.class, List.of("-Xmx256m"), args.toArray(String[]::new));
    }

    /** Writes {@code size} random (non-sparse) bytes and returns their SHA-256. */
    private static String write(Path p, long size) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        Random rnd = new Random(1);
        byte[] buf = new byte[(int) MIB];
        try (OutputStream out = Files.newOutputStream(p)) {
            for (long n = 0; n < size; n += buf.length) {
                rnd.nextBytes(buf);
                out.write(buf);
                d.update(buf);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[(int) MIB];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
