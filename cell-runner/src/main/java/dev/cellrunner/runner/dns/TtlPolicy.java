package dev.cellrunner.runner.dns;

import java.util.Map;

/**
 * How long an answer opens the way: its TTL clamped to [{@code minSeconds}, {@code maxSeconds}]. The
 * minimum covers the moment between a lookup and the connect that follows (a TTL of 0 or 1 is common
 * behind load balancers); the maximum bounds how long one answer keeps an address open, and the TTL
 * handed to the cell is cut to it, so the cell never trusts an answer longer than its way stays open.
 * Defaults 30 s and 3600 s; {@code CELL_RUNNER_DNS_TTL_MIN} and {@code CELL_RUNNER_DNS_TTL_MAX} change them.
 */
public record TtlPolicy(long minSeconds, long maxSeconds) {
    public static final long DEFAULT_MIN = 30;
    public static final long DEFAULT_MAX = 3600;

    public TtlPolicy {
        if (minSeconds < 1 || maxSeconds < minSeconds) {
            throw new IllegalArgumentException("DNS TTL bounds must satisfy 1 <= min <= max, got " + minSeconds
                    + " and " + maxSeconds);
        }
    }

    public static TtlPolicy fromEnvironment(Map<String, String> env) {
        return new TtlPolicy(seconds(env, "CELL_RUNNER_DNS_TTL_MIN", DEFAULT_MIN),
                seconds(env, "CELL_RUNNER_DNS_TTL_MAX", DEFAULT_MAX));
    }

    private static long seconds(Map<String, String> env, String name, long fallback) {
        String text = env.get(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + text + " is not a number of seconds");
        }
    }

    /** The TTL the cell is given. */
    public long answered(long ttl) {
        return Math.min(ttl, maxSeconds);
    }

    /** How long the addresses stay open after the answer. */
    public long open(long ttl) {
        return Math.max(minSeconds, Math.min(ttl, maxSeconds));
    }
}
