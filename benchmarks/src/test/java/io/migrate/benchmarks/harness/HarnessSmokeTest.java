package io.migrate.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.s3.ChecksumMode;
import io.migrate.s3.S3Transport;
import io.migrate.s3.S3TransportConfig;
import io.migrate.s3.testing.EmbeddedS3;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's plumbing on tiny inputs: options, report markers, statistics, and two sections
 * end to end. Not a benchmark: nothing here looks at timings.
 */
class HarnessSmokeTest {
    @TempDir
    Path dir;

    @Test
    void optionsHaveQuickAndFullDefaultsAndOverrides() {
        Harness.Options full = new Harness.Options();
        Harness.Options quick = new Harness.Options("--quick", "--only=posix,dispatch", "--runs=2");
        assertThat(full.smallCount()).isEqualTo(10_000);
        assertThat(full.sections()).containsExactlyElementsOf(Harness.SECTIONS);
        assertThat(quick.smallCount()).isEqualTo(1_000);
        assertThat(quick.sections()).containsExactly("posix", "dispatch");
        assertThat(quick.runs()).isEqualTo(2);
    }

    @Test
    void medianIsTheMiddleValue() {
        assertThat(Bench.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Bench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(3.0);
    }

    @Test
    void reportReplacesOnlyItsBlock() throws Exception {
        Path doc = dir.resolve("performance.md");
        Files.writeString(doc, "# Performance\n\nhand-written intro\n");
        Report first = new Report();
        first.h2("one");
        first.row("a", "b");
        first.row("1", "2");
        first.endTable();
        first.writeInto(doc);
        Files.writeString(doc, Files.readString(doc) + "\nhand-written reading\n");
        Report second = new Report();
        second.p("two");
        second.writeInto(doc);

        String text = Files.readString(doc);
        assertThat(text).contains("hand-written intro", "hand-written reading", "two").doesNotContain("### one");
        assertThat(text.indexOf(Report.BEGIN)).isEqualTo(text.lastIndexOf(Report.BEGIN));
    }

    @Test
    void posixAndDispatchSectionsRunOnSmallInputs() throws Exception {
        Harness.Options o = new Harness.Options("--quick", "--work=" + dir, "--posix-mib=4", "--posix-runs=1",
                "--runs=1", "--dispatch-tasks=40");
        Report r = new Report();
        new PosixBench(o, r).run();
        new DispatchBench(o, r).run();

        assertThat(r.markdown()).contains("POSIX → POSIX", "Dispatcher: 40 pending tasks", "B/task");
        assertThat(r.result("posix.mover")).isPositive();
        assertThat(r.result("dispatch.rate")).isPositive();
        assertThat(r.result("dispatch.rename")).isPositive();
    }

    /**
     * The S3 section's MD5 row is what its name says, Content-MD5 with unsigned payloads (AUTO's
     * choice on a store that verifies MD5, before SHA256): a checksum mode set explicitly keeps
     * payloads signed unless the configuration says otherwise, and the row measured MD5 plus a
     * SHA-256 of every byte.
     */
    @Test
    void theS3Md5RowSendsContentMd5WithUnsignedPayloads() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.startTransient("bench")) {
            S3TransportConfig defaults = S3TransportConfig.builder().endpoint(s3.endpoint()).bucket("bench")
                    .credentials(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)
                    .staleUploadSweepInterval(Duration.ZERO).build();
            try (S3Transport md5 = S3Transport.create(S3Bench.md5Config(defaults))) {
                assertThat(md5.checksumMode()).isEqualTo(ChecksumMode.MD5);
                assertThat(md5.unsignedPayload()).as("unsigned payload, as the row's name says").isTrue();
            }
        }
    }
}
