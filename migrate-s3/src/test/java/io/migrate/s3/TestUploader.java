package io.migrate.s3;

import io.migrate.s3.internal.Checksums;
import io.migrate.transport.Disposition;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.TargetStat;
import io.migrate.transport.Transport;
import io.migrate.transport.TransportException;
import io.migrate.transport.TransportSession;
import io.migrate.transport.Upload;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * A minimal stand-in for the mover in this module's tests: one file, ranges written by several
 * threads, each thread pinned to an endpoint and failing over to the next endpoint when the
 * transport says FAILOVER (RETRY is retried a few times on the same session). It exercises the
 * transport the way the mover does; it is not the mover.
 */
final class TestUploader {
    private final Transport transport;
    private final int threads;
    private final long preferredRange;
    final AtomicInteger failovers = new AtomicInteger();
    final AtomicInteger opens = new AtomicInteger();
    volatile LongConsumer afterRange = off -> { };

    TestUploader(Transport transport, int threads, long preferredRange) {
        this.transport = transport;
        this.threads = threads;
        this.preferredRange = preferredRange;
    }

    /** @return true if uploaded, false if skipped because the target already has this fingerprint */
    boolean upload(Path file, String key) throws Exception {
        long size = java.nio.file.Files.size(file);
        int crc = S3TestSupport.crc32c(file);
        Map<String, String> meta = S3TestSupport.fingerprint(file, crc);
        List<String> endpoints = transport.endpoints();
        try (TransportSession s = transport.openSession(endpoints.get(0))) {
            Optional<TargetStat> st = s.stat(key);
            if (st.isPresent() && st.get().size() == size && st.get().metadata().equals(meta)) {
                return false;
            }
        }
        long range = transport.capabilities().rangeSizeFor(size, preferredRange);
        Upload upload = withSession(0, s -> s.open(key, UUID.randomUUID().toString(), size, range, meta));
        opens.incrementAndGet();
        int n = size == 0 ? 0 : (int) ((size + range - 1) / range);
        RangeReceipt[] receipts = new RangeReceipt[n];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int home = t % endpoints.size();
                fs.add(pool.submit(() -> {
                    int ep = home;
                    TransportSession s = transport.openSession(endpoints.get(ep));
                    try {
                        for (int i; (i = next.getAndIncrement()) < n; ) {
                            long off = (long) i * range;
                            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(range, size - off));
                            while (buf.hasRemaining()) {
                                ch.read(buf, off + buf.position());
                            }
                            buf.flip();
                            int c = Checksums.crc32c(buf);
                            for (int attempt = 0; ; attempt++) {
                                try {
                                    receipts[i] = s.write(upload, off, buf.duplicate(), c);
                                    break;
                                } catch (TransportException e) {
                                    if (e.disposition() == Disposition.PERMANENT || attempt >= 6) {
                                        throw e;
                                    }
                                    if (e.disposition() == Disposition.FAILOVER) {
                                        s.close();
                                        failovers.incrementAndGet();
                                        ep = (ep + 1) % endpoints.size();
                                        s = transport.openSession(endpoints.get(ep));
                                    }
                                }
                            }
                            afterRange.accept(off);
                        }
                    } finally {
                        s.close();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            withSession(0, s -> {
                s.abort(upload);
                return null;
            });
            throw e;
        } finally {
            pool.shutdownNow();
        }
        withSession(0, s -> {
            s.complete(upload, List.of(receipts), crc);
            s.commit(upload, meta);
            return null;
        });
        return true;
    }

    /** Runs on a session of some endpoint, failing over on FAILOVER. */
    <T> T withSession(int start, java.util.function.Function<TransportSession, T> f) {
        List<String> endpoints = transport.endpoints();
        TransportException last = null;
        for (int i = 0; i < endpoints.size() * 2; i++) {
            try (TransportSession s = transport.openSession(endpoints.get((start + i) % endpoints.size()))) {
                return f.apply(s);
            } catch (TransportException e) {
                if (e.disposition() == Disposition.PERMANENT) {
                    throw e;
                }
                last = e;
                if (e.disposition() == Disposition.FAILOVER) {
                    failovers.incrementAndGet();
                }
            }
        }
        throw last;
    }

}
