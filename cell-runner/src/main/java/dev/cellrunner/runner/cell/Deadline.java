package dev.cellrunner.runner.cell;

import java.time.Duration;

/**
 * An instant on the monotonic clock ({@link System#nanoTime()}) that a wait must not pass: the cell's
 * lifetime counted from its start, so every wait of the run on its PID 1 shares one bound. Pure: the
 * current time is passed in.
 */
record Deadline(long atNanos) {
    /** {@code limit} after {@code startNanos}. */
    static Deadline after(long startNanos, Duration limit) {
        return new Deadline(startNanos + limit.toNanos());
    }

    /** Nanoseconds left at {@code nowNanos}, 0 once passed (compared as nanoTime must be: by difference). */
    long remainingNanos(long nowNanos) {
        return Math.max(0, atNanos - nowNanos);
    }

    /** Milliseconds left for a poll(2) timeout: rounded up, so the wait never ends before the deadline. */
    int pollMillis(long nowNanos) {
        long nanos = remainingNanos(nowNanos);
        return (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    boolean passed(long nowNanos) {
        return remainingNanos(nowNanos) == 0;
    }
}
