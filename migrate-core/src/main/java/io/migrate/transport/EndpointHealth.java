package io.migrate.transport;

import io.migrate.error.ErrorCode;
import java.time.Instant;
import java.util.Objects;

/**
 * What a node's mover knows about one destination endpoint, for a host's health check and the
 * {@code status} command. A snapshot: the heartbeat may have moved on.
 *
 * @param endpointId the endpoint, one of {@link Transport#endpoints()}
 * @param state whether the mover sends work to it
 * @param since when it entered {@code state} (null while {@link State#UNKNOWN})
 * @param lastCheck when the endpoint was last checked or last failed a request (null: never)
 * @param lastErrorCode the code of the last failure, or null if it never failed
 * @param lastError the message of the last failure (never credentials), or null
 */
public record EndpointHealth(String endpointId, State state, Instant since, Instant lastCheck,
        ErrorCode lastErrorCode, String lastError) {

    /** The state of an endpoint as the mover sees it. */
    public enum State {
        /** Not checked yet: the node has not started its mover. */
        UNKNOWN,
        /** Answered its last check; in rotation. */
        UP,
        /** Unreachable or unwell: out of rotation until a heartbeat finds it healthy again. */
        DOWN,
        /**
         * Reachable, but the destination itself is unusable through it (bucket missing, access
         * denied): files fail at once with {@link #lastErrorCode()} instead of waiting.
         */
        MISCONFIGURED
    }

    /** Validates the required components. */
    public EndpointHealth {
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(state, "state");
    }

    /** @return whether the mover sends work to this endpoint */
    public boolean usable() {
        return state == State.UP;
    }
}
