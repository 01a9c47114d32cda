package dev.cellrunner.conformance.harness;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls for a condition the host can observe, never longer than the given limit. */
public final class Await {
    private static final long POLL_MILLIS = 50;

    private Await() {
    }

    public static <T> T value(Duration limit, String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up after " + limit.toMillis() + " ms waiting for " + what);
            }
            sleep();
        }
    }

    public static void until(Duration limit, String what, BooleanSupplier condition) {
        value(limit, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Lets the host settle (e.g. a listener's accept thread) before a count is read. */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
