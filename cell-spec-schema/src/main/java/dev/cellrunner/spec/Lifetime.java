package dev.cellrunner.spec;

/** {@code spec.lifetime}: the cell and every process it starts die after this many seconds. */
public record Lifetime(long ttlSeconds) {
}
