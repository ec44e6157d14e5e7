package io.migrate.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HardwareSha256Test {
    @Test
    void x86ListsTheShaExtensionsAsShaNiInItsFlags() {
        List<String> cpuinfo = List.of("processor\t: 0", "model name\t: Intel(R) Xeon(R) Processor",
                "flags\t\t: fpu vme sse4_2 avx2 sha_ni avx512f", "bugs\t\t: spectre_v1");
        assertThat(HardwareSha256.cpuHasSha256(cpuinfo, "amd64")).isTrue();
        assertThat(HardwareSha256.cpuHasSha256(List.of("flags\t\t: fpu vme sse4_2 avx2 sha_nix"), "amd64"))
                .as("a whole flag, not a prefix").isFalse();
        assertThat(HardwareSha256.cpuHasSha256(List.of("flags\t\t: fpu vme sse4_2 avx2"), "amd64")).isFalse();
    }

    @Test
    void armListsSha2InItsFeatures() {
        assertThat(HardwareSha256.cpuHasSha256(List.of("processor\t: 0", "Features\t: fp asimd aes pmull sha1 sha2 crc32"),
                "aarch64")).isTrue();
        assertThat(HardwareSha256.cpuHasSha256(List.of("Features\t: fp asimd crc32"), "aarch64")).isFalse();
    }

    @Test
    void theJvmFlagItReadsExistsOnHotSpot() {
        assertThat(HardwareSha256.vmOption(HardwareSha256.JVM_FLAG)).as("a product flag, readable without "
                + "-XX:+UnlockDiagnosticVMOptions").isIn("true", "false");
    }

    @Test
    void noCpuLineMeansNo() {
        assertThat(HardwareSha256.cpuHasSha256(List.of(), "amd64")).isFalse();
    }
}
