package io.migrate.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A wall clock and a monotonic ticker that move only when a test says so. Thread-safe. */
public final class FakeTime {
    private final Instant origin;
    private final AtomicLong nanos = new AtomicLong();

    /** @param origin the wall time at tick zero */
    public FakeTime(Instant origin) {
        this.origin = origin;
    }

    /** @param d how far both the clock and the ticker move */
    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** @return the current wall time */
    public Instant now() {
        return origin.plusNanos(nanos.get());
    }

    /** @return monotonic nanoseconds */
    public LongSupplier ticker() {
        return nanos::get;
    }

    /** @return a Clock view */
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
    }
}
