package io.migrate.examples.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Watches the S3 requests passing a {@link FaultProxy} and finds one target key being uploaded
 * by two attempts at the same time, whichever node or process sends them. An upload of key K by
 * attempt T is open from its first write to {@code .migrate-tmp/T/K} until the commit copy from
 * that temp key to K, or the delete of the temp key / abort of its multipart upload.
 *
 * <p>A file small enough for one request is PUT straight to K (the S3 transport's
 * {@code directPut}): that upload is one request, whose end the proxy does not see. Scenarios
 * that check overlaps hold every upload request for at least {@link #DIRECT_PUT_HOLD} before the
 * proxy forwards it ({@link #holdUploads}), so a direct PUT lasts at least that long and two of
 * one key that start closer together than that were in flight at once. A multipart upload
 * completed straight on the final key (the S3 transport's default {@code directMultipartCommit})
 * is not seen: scenarios that rely on this use files of one range, or turn that option off.
 * Two direct PUTs of one key are an overlap only when neither carried a precondition
 * ({@code If-None-Match} / {@code If-Match}): the store applies at most one of two conditional
 * writes that saw the same version (the other gets 412), which is how a run that lost a commit
 * race to a paused attempt's late PUT commits its own version again at once.
 *
 * <p>Thread-safe: proxy connection threads call {@link #accept}; all state is guarded by this.
 */
final class UploadTracker implements java.util.function.Consumer<FaultProxy.Request> {
    static final String TEMP_PREFIX = ".migrate-tmp/";
    /** How long {@link #holdUploads} holds each upload request. */
    static final Duration DIRECT_PUT_HOLD = Duration.ofMillis(150);

    private final Map<String, Set<String>> openTokensByKey = new HashMap<>();
    private final Set<String> ended = new HashSet<>();
    private final List<String> overlaps = new ArrayList<>();
    private final Map<String, Long> lastDirectPutNanos = new HashMap<>();
    /** Keys whose last direct PUT carried no precondition. */
    private final Set<String> lastDirectPutUnconditional = new HashSet<>();
    private final LongSupplier clock;
    private long uploads;

    UploadTracker() {
        this(System::nanoTime);
    }

    /** @param clock nanoTime source (tests step it) */
    UploadTracker(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Makes the proxy hold every upload request (temp-object writes and direct PUTs) for
     * {@link #DIRECT_PUT_HOLD}: tasks run long enough to overlap, and direct PUTs become visible
     * to the overlap check.
     */
    static void holdUploads(FaultProxy proxy) {
        proxy.observe(req -> {
            if (uploadTarget(req).isPresent()) {
                try {
                    Thread.sleep(DIRECT_PUT_HOLD.toMillis()); // injected latency, not synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /** @return the target key a request uploads data for: a temp-object write or a direct PUT */
    static Optional<String> uploadTarget(FaultProxy.Request r) {
        if (!r.writes()) {
            return Optional.empty();
        }
        Optional<String> temp = targetOf(r.key());
        return temp.isPresent() ? temp : isDirectPut(r) ? Optional.of(r.key()) : Optional.empty();
    }

    /** A PUT of data to a final key: not a temp key, parent marker, copy or multipart part. */
    static boolean isDirectPut(FaultProxy.Request r) {
        String key = r.key();
        return r.method().equals("PUT") && !key.isEmpty() && !key.endsWith("/") && !key.startsWith(TEMP_PREFIX)
                && !r.headers().containsKey("x-amz-copy-source") && !r.query().contains("uploadId");
    }

    /** @return for a temp key {@code .migrate-tmp/<token>/<key>} its {@code <key>} */
    static Optional<String> targetOf(String key) {
        if (!key.startsWith(TEMP_PREFIX)) {
            return Optional.empty();
        }
        int slash = key.indexOf('/', TEMP_PREFIX.length());
        return slash < 0 ? Optional.empty() : Optional.of(key.substring(slash + 1));
    }

    private static String tokenOf(String tempKey) {
        int slash = tempKey.indexOf('/', TEMP_PREFIX.length());
        return tempKey.substring(TEMP_PREFIX.length(), slash);
    }

    @Override
    public synchronized void accept(FaultProxy.Request r) {
        String key = r.key();
        Optional<String> target = targetOf(key);
        if (isDirectPut(r)) {
            uploads++;
            long now = clock.getAsLong();
            Long last = lastDirectPutNanos.put(key, now);
            boolean unconditional = !r.headers().containsKey("if-none-match") && !r.headers().containsKey("if-match");
            boolean lastUnconditional = unconditional ? !lastDirectPutUnconditional.add(key)
                    : lastDirectPutUnconditional.remove(key);
            if (last != null && now - last < DIRECT_PUT_HOLD.toNanos() && unconditional && lastUnconditional) {
                overlaps.add(key + " by two direct PUTs " + (now - last) / 1_000_000 + " ms apart");
            }
        } else if (target.isPresent() && r.writes()) {
            String token = tokenOf(key);
            if (ended.contains(token + "/" + target.get())) {
                return; // a late retry of a request of an ended attempt
            }
            Set<String> open = openTokensByKey.computeIfAbsent(target.get(), k -> new HashSet<>());
            if (open.add(token)) {
                uploads++;
                if (open.size() > 1) {
                    overlaps.add(target.get() + " by attempts " + open);
                }
            }
        } else if (target.isPresent() && r.method().equals("DELETE")) {
            end(target.get(), tokenOf(key));
        } else if (r.method().equals("PUT") && r.headers().containsKey("x-amz-copy-source")) {
            String source = FaultProxy.percentDecode(r.headers().get("x-amz-copy-source"));
            int slash = source.indexOf('/', source.startsWith("/") ? 1 : 0);
            String sourceKey = source.substring(slash + 1);
            int q = sourceKey.indexOf('?');
            sourceKey = q < 0 ? sourceKey : sourceKey.substring(0, q);
            Optional<String> t = targetOf(sourceKey);
            if (t.isPresent()) {
                end(t.get(), tokenOf(sourceKey));
            }
        }
    }

    private void end(String target, String token) {
        ended.add(token + "/" + target);
        Set<String> open = openTokensByKey.get(target);
        if (open != null) {
            open.remove(token);
            if (open.isEmpty()) {
                openTokensByKey.remove(target);
            }
        }
    }

    /** @return every time a key had two open uploads at once */
    synchronized List<String> overlaps() {
        return List.copyOf(overlaps);
    }

    /** @return uploads (distinct attempt and key pairs) seen */
    synchronized long uploads() {
        return uploads;
    }
}
