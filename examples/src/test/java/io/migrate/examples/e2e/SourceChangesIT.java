package io.migrate.examples.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.migrate.task.FileEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 6: source files change or vanish while they are being moved. The fault proxy holds
 * the first upload of chosen files until the test has changed the source, so the change falls
 * inside the move every time (not by luck): the mover must notice it (fingerprint before vs
 * after), fail the file with a code instead of committing a torn copy, and the retry task moves
 * the new content; a deleted file ends as {@code SOURCE_NOT_FOUND}, and its object is either
 * absent or exactly the version read before the deletion (a direct PUT of a small file sends
 * the buffer it read; see docs/s3.md), never anything else.
 */
@E2e
class SourceChangesIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // keep the node logs of a failed run
    Path dir;

    @Test
    void filesChangedOrDeletedMidMoveFailWithCodesAndNothingTornIsCommitted(SharedServers servers) throws Exception {
        long t0 = System.nanoTime();
        try (E2eCluster c = E2eCluster.create("source-changes", dir, servers, E2eCluster.Ha.ZOOKEEPER, 1, 2,
                Map.of())) {
            Workload w = new Workload(c, SourceChangesIT.class);
            int tasks = Workload.scaled(10);
            List<String> grown = new ArrayList<>();
            List<String> sameSizeSameMtime = new ArrayList<>();
            List<String> deletedMidMove = new ArrayList<>();
            List<String> deletedBefore = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                List<FileEntry> entries = w.writeFiles("chg" + t, 12, 1024, 16 * 1024);
                grown.add(entries.get(0).targetKey());
                sameSizeSameMtime.add(entries.get(1).targetKey());
                deletedMidMove.add(entries.get(2).targetKey());
                deletedBefore.add(entries.get(3).targetKey());
                w.submit(entries);
            }
            Set<String> held = new java.util.HashSet<>();
            held.addAll(grown);
            held.addAll(sameSizeSameMtime);
            held.addAll(deletedMidMove);
            int heldCount = held.size();
            Hold hold = new Hold(Set.copyOf(held));
            c.proxyA.observe(hold);
            c.proxyB.observe(hold);
            for (String k : deletedBefore) {
                Files.delete(c.src.resolve(k));
                w.expectAbsent(k);
            }
            c.startAll();
            for (int i = 0; i < heldCount; i++) {
                String key = hold.seen.poll(120, TimeUnit.SECONDS);
                assertThat(key).as("upload %d of %d held files seen", i + 1, heldCount).isNotNull();
                Path source = c.src.resolve(key);
                if (grown.contains(key)) {
                    Files.write(source, "appended while moving".getBytes(), java.nio.file.StandardOpenOption.APPEND);
                } else if (sameSizeSameMtime.contains(key)) {
                    // Same size, mtime put back: only ctime/inode tell (a naive size+mtime check would commit it).
                    FileTime mtime = Files.getLastModifiedTime(source);
                    byte[] bytes = Files.readAllBytes(source);
                    bytes[0] ^= 0x5A;
                    bytes[bytes.length - 1] ^= 0x5A;
                    Path tmp = source.resolveSibling(source.getFileName() + ".new");
                    Files.write(tmp, bytes);
                    Files.setLastModifiedTime(tmp, mtime);
                    Files.move(tmp, source, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } else {
                    // A direct PUT was held after the file was read: its object, if the PUT is
                    // let through, is that whole version; with a temp key nothing is committed.
                    w.expectAbsentOrExactly(key, Files.readAllBytes(source));
                    Files.delete(source);
                }
                hold.release(key);
            }
            // EndState checks that changed files hold their new bytes (the retry moved them) and
            // deleted ones do not exist: a torn or stale copy committed would fail it.
            EndState.Report r = EndState.verify(c, w, t0);
            for (String k : grown) {
                assertThat(r.codesFor(k)).as("codes of %s", k).contains("SOURCE_CHANGED");
            }
            for (String k : sameSizeSameMtime) {
                assertThat(r.codesFor(k)).as("codes of %s", k).contains("SOURCE_CHANGED");
            }
            for (String k : deletedMidMove) {
                assertThat(r.codesFor(k)).as("codes of %s", k).containsAnyOf("SOURCE_CHANGED", "SOURCE_NOT_FOUND")
                        .contains("SOURCE_NOT_FOUND");
            }
            for (String k : deletedBefore) {
                assertThat(r.codesFor(k)).as("codes of %s", k).containsExactly("SOURCE_NOT_FOUND");
            }
        }
    }

    /** Holds the first upload request of each chosen key until the test releases it. */
    static final class Hold implements java.util.function.Consumer<FaultProxy.Request> {
        final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        private final Set<String> keys;
        private final Map<String, CountDownLatch> latches = new ConcurrentHashMap<>();

        Hold(Set<String> keys) {
            this.keys = ConcurrentHashMap.newKeySet();
            this.keys.addAll(keys);
        }

        @Override
        public void accept(FaultProxy.Request r) {
            String target = UploadTracker.uploadTarget(r).orElse(null);
            if (target == null || !keys.remove(target)) {
                return;
            }
            CountDownLatch latch = latches.computeIfAbsent(target, k -> new CountDownLatch(1));
            seen.add(target);
            try {
                if (!latch.await(120, TimeUnit.SECONDS)) {
                    System.err.println("hold of " + target + " never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void release(String key) {
            latches.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
        }
    }
}
