package io.migrate.examples.e2e;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Watches the S3 requests passing a {@link FaultProxy} and finds one target key being uploaded
 * by two attempts at the same time, whichever node or process sends them. An upload of key K by
 * attempt T is open from its first write to {@code .migrate-tmp/T/K} until the commit copy from
 * that temp key to K, or the delete of the temp key / abort of its multipart upload.
 *
 * <p>It knows uploads through a temp key, which is what the S3 transport does by default; a
 * multipart upload completed straight on the final key ({@code directMultipartCommit}) is not
 * seen, so scenarios that rely on it keep their files below the multipart threshold.
 *
 * <p>Thread-safe: proxy connection threads call {@link #accept}; all state is guarded by this.
 */
final class UploadTracker implements java.util.function.Consumer<FaultProxy.Request> {
    static final String TEMP_PREFIX = ".migrate-tmp/";

    private final Map<String, Set<String>> openTokensByKey = new HashMap<>();
    private final Set<String> ended = new HashSet<>();
    private final List<String> overlaps = new ArrayList<>();
    private long uploads;

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
        if (target.isPresent() && r.writes()) {
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
