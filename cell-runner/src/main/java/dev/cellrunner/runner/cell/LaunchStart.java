package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.NetworkNamespace;

import java.util.concurrent.CompletableFuture;

/**
 * A cell's launch thread, started as soon as its document is valid: it enters a fresh network
 * namespace and brings {@code lo} up while the runner plans the cell and opens its trail.
 *
 * @param namespace completes when the thread is in its new namespace, or with the reason it is not
 */
public record LaunchStart(LaunchThread thread, CompletableFuture<Void> namespace) {
    public static LaunchStart begin(String cellId) {
        LaunchThread thread = LaunchThread.start("cell-launch-" + cellId);
        return new LaunchStart(thread, thread.submit(() -> {
            NetworkNamespace.enterNew();
            NetworkNamespace.bringLoopbackUp();
            return null;
        }));
    }

    /** Ends the thread (its namespace goes with it); for a cell that does not run, and safe to repeat. */
    public void end() {
        try {
            thread.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
