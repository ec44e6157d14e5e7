package io.migrate.transport;

import java.util.Objects;
import java.util.Optional;

/**
 * The fencing token of one data commit: what the final key must still hold for the commit to
 * take effect. The mover takes it when an attempt begins (from {@link TransportSession#stat} or a
 * {@link TransportSession#knownAbsent} survey) and passes it to
 * {@link TransportSession#commit(Upload, java.util.Map, CommitGuard)} and
 * {@link TransportSession#putWhole(String, java.nio.ByteBuffer, int, java.util.Map, CommitGuard)}.
 *
 * <p>A transport whose store enforces the guard ({@link TransportCapabilities#fencedCommits()})
 * makes the check and the write one atomic step (S3: {@code If-None-Match: *} for
 * {@link #absent()}, {@code If-Match: <ETag>} for {@link #matches}); a failed guard is a
 * {@link TransportException} with {@link io.migrate.error.ErrorCode#TARGET_CONFLICT} and
 * {@link Disposition#PERMANENT}, and nothing was written. A transport that cannot make it atomic
 * checks it as late as it can and documents the window left (POSIX: {@code docs/failure-modes.md}).
 * Transports that ignore guards (the default methods) commit unconditionally.
 *
 * <p>Immutable and thread-safe.
 */
public final class CommitGuard {

    /** What a guard requires of the final key. */
    public enum Kind {
        /** Nothing: the commit replaces whatever is there. */
        UNCONDITIONAL,
        /** The key must hold nothing. */
        ABSENT,
        /** The key must hold the object whose {@link TargetStat#version()} is {@link #version()}. */
        MATCHES
    }

    private static final CommitGuard UNCONDITIONAL = new CommitGuard(Kind.UNCONDITIONAL, null);
    private static final CommitGuard ABSENT = new CommitGuard(Kind.ABSENT, null);

    private final Kind kind;
    private final String version;

    private CommitGuard(Kind kind, String version) {
        this.kind = kind;
        this.version = version;
    }

    /** @return a guard that lets every commit through (for transports or callers without a token) */
    public static CommitGuard unconditional() {
        return UNCONDITIONAL;
    }

    /** @return a guard that commits only if nothing is at the key (S3 {@code If-None-Match: *}) */
    public static CommitGuard absent() {
        return ABSENT;
    }

    /**
     * @param version a {@link TargetStat#version()} seen at the key
     * @return a guard that commits only if the key still holds that version (S3 {@code If-Match})
     */
    public static CommitGuard matches(String version) {
        return new CommitGuard(Kind.MATCHES, Objects.requireNonNull(version, "version"));
    }

    /**
     * The guard that fences a commit against what a stat saw: {@link #absent()} if nothing was
     * there, {@link #matches} its version if it has one, else {@link #unconditional()} (a store that
     * reports no version cannot be fenced by it).
     *
     * @param seen what {@link TransportSession#stat} returned
     * @return the guard
     */
    public static CommitGuard of(Optional<TargetStat> seen) {
        if (seen.isEmpty()) {
            return ABSENT;
        }
        String v = seen.get().version();
        return v == null ? UNCONDITIONAL : matches(v);
    }

    /** @return what the guard requires */
    public Kind kind() {
        return kind;
    }

    /** @return the required version for {@link Kind#MATCHES}, else null */
    public String version() {
        return version;
    }

    /**
     * Checks the guard against a stat of the key (for transports that check it themselves rather
     * than letting the store do it).
     *
     * @param now what the key holds now
     * @return whether a commit guarded by this may replace it
     */
    public boolean admits(Optional<TargetStat> now) {
        return switch (kind) {
            case UNCONDITIONAL -> true;
            case ABSENT -> now.isEmpty();
            case MATCHES -> now.isPresent() && version.equals(now.get().version());
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommitGuard g && g.kind == kind && Objects.equals(g.version, version);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(version);
    }

    @Override
    public String toString() {
        return kind == Kind.MATCHES ? "matches(" + version + ")" : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
