package io.migrate.s3.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this JVM hashes SHA-256 with the CPU's SHA instructions (x86 SHA extensions, ARMv8
 * SHA2): then a SHA-256 costs less than half an MD5 per byte (0.77 against 1.85 s per GiB,
 * measured with Java 17 on the benchmark machine, {@code docs/performance.md}), and the signed
 * payload's SHA-256 is the cheapest checksum a store that ignores CRC32C verifies. Without them
 * HotSpot's SHA-256 is slower than its MD5, and {@link io.migrate.s3.ChecksumMode#AUTO} keeps
 * {@code Content-MD5}.
 *
 * <p>Read once: the CPU flags from {@code /proc/cpuinfo} (Linux; elsewhere the answer is no, the
 * safe default) and HotSpot's {@code UseSHA} ({@code -XX:-UseSHA} turns the JVM's SHA stubs off;
 * on x86 it is also on with AVX2 alone, hence the CPU flag). Stateless after that.
 */
public final class HardwareSha256 {
    private static final Logger LOG = LoggerFactory.getLogger(HardwareSha256.class);
    /** HotSpot's product flag for its SHA stubs (the per-algorithm intrinsic flags are diagnostic: unreadable). */
    static final String JVM_FLAG = "UseSHA";
    private static final boolean AVAILABLE = detect();

    private HardwareSha256() {
    }

    /** @return whether SHA-256 runs on the CPU's SHA instructions in this JVM */
    public static boolean available() {
        return AVAILABLE;
    }

    private static boolean detect() {
        try {
            Path cpuinfo = Path.of("/proc/cpuinfo");
            if (!Files.isReadable(cpuinfo)) {
                return false;
            }
            return cpuHasSha256(Files.readAllLines(cpuinfo), System.getProperty("os.arch", ""))
                    && "true".equals(vmOption(JVM_FLAG));
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot tell whether SHA-256 runs in hardware (assuming not): {}", e.toString());
            return false;
        }
    }

    /**
     * @param cpuinfo the lines of {@code /proc/cpuinfo}
     * @param arch {@code os.arch}
     * @return whether the first CPU lists the SHA-256 instructions: {@code sha_ni} in x86's
     *     {@code flags}, {@code sha2} in ARM's {@code Features}
     */
    static boolean cpuHasSha256(List<String> cpuinfo, String arch) {
        boolean arm = arch.toLowerCase(Locale.ROOT).startsWith("aarch64");
        String key = arm ? "features" : "flags";
        String flag = arm ? "sha2" : "sha_ni";
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(key)) {
                return List.of(line.substring(colon + 1).trim().split("\\s+")).contains(flag);
            }
        }
        return false;
    }

    /** A HotSpot VM option's value, or null where there is no HotSpot diagnostic bean. */
    static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or no such (or a diagnostic) option
            return null;
        }
    }
}
