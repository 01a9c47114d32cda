package dev.cellrunner.runner.cell;

/** A wait on the cell's PID 1 reached the cell's deadline before PID 1 said anything more. */
final class LifetimeExpired extends Exception {
    LifetimeExpired() {
        super("the cell's lifetime expired", null, false, false);
    }
}
