package dev.cellrunner.runner.cell;

import java.time.Instant;

/**
 * Start-up and run phases, timed for bench/phases.sh. Off unless {@code CELL_RUNNER_PHASES=1}; then each
 * {@link #mark} prints {@code cell-runner-phase NAME MILLIS} to stderr, the milliseconds since
 * {@code CELL_RUNNER_T0_NS} (epoch nanoseconds, set by the caller just before starting the runner) or
 * else since the JVM started.
 */
public final class Phases {
    private static final boolean ON = "1".equals(System.getenv("CELL_RUNNER_PHASES"));
    private static final long T0_EPOCH_NANOS = ON ? t0() : 0;

    private Phases() {
    }

    public static void mark(String phase) {
        if (ON) {
            Instant now = Instant.now();
            long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - T0_EPOCH_NANOS;
            // no printf: Formatter's start-up would be charged to the next phase
            System.err.println("cell-runner-phase " + phase + " " + nanos / 100_000 / 10.0);
        }
    }

    private static long t0() {
        String given = System.getenv("CELL_RUNNER_T0_NS");
        if (given != null && given.matches("\\d{1,19}")) {
            return Long.parseLong(given);
        }
        Instant start = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        return start.getEpochSecond() * 1_000_000_000L + start.getNano();
    }
}
