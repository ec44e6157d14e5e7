package io.migrate.move.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import io.migrate.transport.MetadataKeys;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceFileTest {
    @TempDir
    Path tmp;

    private static ErrorCode codeOf(Runnable r) {
        try {
            r.run();
        } catch (MigrateException e) {
            return e.code();
        }
        throw new AssertionError("no exception");
    }

    @Test
    void openingRefusesASymlinkSwappedInAfterTheCheck() throws IOException {
        Path real = Files.writeString(tmp.resolve("real"), "x");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertThat(codeOf(() -> SourceFile.open(link))).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        try (FileChannel ch = SourceFile.open(real)) {
            assertThat(ch.size()).isEqualTo(1);
        }
        assertThat(codeOf(() -> SourceFile.open(tmp.resolve("nope")))).isEqualTo(ErrorCode.SOURCE_NOT_FOUND);
    }

    /** Issue #14, finding 5: a parent directory swapped for a symlink after the check was followed. */
    @Test
    void openingRefusesAParentDirectorySwappedForASymlinkAfterTheCheck() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("src-root"));
        Files.createDirectories(root.resolve("dir"));
        Files.writeString(root.resolve("dir/f"), "inside");
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(outside.resolve("f"), "secret");
        Path realRoot = SourceFile.resolveRoot(root.toString(), List.of(root));
        Path real = SourceFile.resolve(realRoot, "dir/f");

        Files.move(root.resolve("dir"), tmp.resolve("dir-moved-away"));
        Files.createSymbolicLink(root.resolve("dir"), outside);

        assertThat(codeOf(() -> SourceFile.open(real))).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
    }

    @Test
    void fingerprintSeesContentAndMetadataChangesAndStoresNoDevice() throws IOException {
        Path f = Files.writeString(tmp.resolve("f"), "abc");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2024-01-01T00:00:00Z")));
        SourceFile.Fingerprint a = SourceFile.fingerprint(f);
        assertThat(a.size()).isEqualTo(3);
        assertThat(a.inode()).isPositive();
        assertThat(SourceFile.fingerprint(f)).isEqualTo(a);
        assertThat(a.stored()).startsWith("s=3;m=1704067200000000000;i=").doesNotContain("d=");
        assertThat(a.metadata()).containsKeys(MetadataKeys.FINGERPRINT, MetadataKeys.MTIME_NANOS, MetadataKeys.MODE);

        Files.writeString(f, "abd"); // same size, new content
        assertThat(SourceFile.fingerprint(f)).isNotEqualTo(a);

        Path g = Files.writeString(tmp.resolve("g"), "abc");
        Files.setLastModifiedTime(g, FileTime.from(Instant.parse("2024-01-01T00:00:00Z")));
        Files.move(g, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // replaced by another inode
        assertThat(SourceFile.fingerprint(f).inode()).isNotEqualTo(a.inode());
    }

    @Test
    void resolvingChecksConfinementTypeAndExistence() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(root.resolve("ok"), "x");
        Files.createDirectories(root.resolve("dir"));
        Files.createSymbolicLink(root.resolve("up"), tmp);
        Files.writeString(tmp.resolve("outside"), "secret");
        Path realRoot = SourceFile.resolveRoot(root.toString(), List.of(tmp));

        assertThat(SourceFile.resolve(realRoot, "ok")).isEqualTo(realRoot.resolve("ok"));
        assertThat(codeOf(() -> SourceFile.resolve(realRoot, "dir"))).isEqualTo(ErrorCode.SOURCE_NOT_REGULAR_FILE);
        assertThat(codeOf(() -> SourceFile.resolve(realRoot, "none"))).isEqualTo(ErrorCode.SOURCE_NOT_FOUND);
        assertThat(codeOf(() -> SourceFile.resolve(realRoot, "up/outside"))).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        // a detour that ends inside the root is fine: the real path is what counts
        assertThat(SourceFile.resolve(realRoot, "up/root/ok")).isEqualTo(realRoot.resolve("ok"));
        assertThat(codeOf(() -> SourceFile.resolve(realRoot, "/etc/passwd"))).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(codeOf(() -> SourceFile.resolve(realRoot, "."))).isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(codeOf(() -> SourceFile.resolveRoot("relative", List.of(tmp))))
                .isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(codeOf(() -> SourceFile.resolveRoot(tmp.resolve("missing").toString(), List.of(tmp))))
                .isEqualTo(ErrorCode.SOURCE_NOT_FOUND);
        assertThat(codeOf(() -> SourceFile.resolveRoot(tmp.toString(), List.of(root))))
                .isEqualTo(ErrorCode.SOURCE_OUTSIDE_ROOT);
        assertThat(SourceFile.resolve(realRoot, "../root/ok")).isEqualTo(realRoot.resolve("ok"));
        assertThatThrownBy(() -> SourceFile.resolve(realRoot, "../outside")).isInstanceOf(MigrateException.class);
    }
}
