package io.migrate.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The one lifecycle of every component with threads (issue 17): NEW → STARTED → CLOSED, one state
 * changed by one compare-and-set, so a {@code close()} can never slip in between a "closed?" check
 * and the start. A second {@link #start()} is a no-op, {@code start()} after {@link #close()} fails
 * with {@link IllegalStateException} (always that type), {@code close()} is idempotent. Modelled on
 * Curator's {@code LeaderLatch} state.
 *
 * <p>Internal: shared by our modules, not API. Thread-safe.
 */
public final class Lifecycle {
    /** The states, in the only order they are reached. */
    public enum State {
        /** built, not started */
        NEW,
        /** started, not closed */
        STARTED,
        /** closed; never started again */
        CLOSED
    }

    private final String component;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

    /** @param component what the messages name, e.g. {@code "worker n1"} */
    public Lifecycle(String component) {
        this.component = component;
    }

    /**
     * For a component that runs from construction and has no {@code start()} (a transport, a
     * publisher, a gate): it begins STARTED, so the same one state and one CAS decide
     * {@code close()}.
     *
     * @param component what the messages name
     * @return a lifecycle in {@link State#STARTED}
     */
    public static Lifecycle started(String component) {
        Lifecycle l = new Lifecycle(component);
        l.start();
        return l;
    }

    /**
     * @return true while started and not closed
     */
    public boolean isRunning() {
        return state.get() == State.STARTED;
    }

    /**
     * @throws IllegalStateException naming the component if it is closed
     */
    public void requireOpen() {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException(component + " is closed");
        }
    }

    /**
     * @return true for the call that started the component, false if it was already started
     * @throws IllegalStateException if it was closed
     */
    public boolean start() {
        if (state.compareAndSet(State.NEW, State.STARTED)) {
            return true;
        }
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException(component + " is closed and cannot be started again; build a new one");
        }
        return false;
    }

    /** @return true for the one call that closed the component (from NEW or STARTED) */
    public boolean close() {
        return state.getAndSet(State.CLOSED) != State.CLOSED;
    }

    /** @return the state now */
    public State state() {
        return state.get();
    }

    /** @return whether {@link #start()} succeeded once (the component may be closed since) */
    public boolean wasStarted() {
        return state.get() != State.NEW;
    }

    /** @return whether the component is closed */
    public boolean isClosed() {
        return state.get() == State.CLOSED;
    }

    @Override
    public String toString() {
        return component + " " + state.get();
    }
}
