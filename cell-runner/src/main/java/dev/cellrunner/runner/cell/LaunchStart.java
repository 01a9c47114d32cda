package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.CellNamespaces;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.Nftables;

import java.util.concurrent.CompletableFuture;

/**
 * A cell's launch thread, started as soon as its document is valid: it enters the cell's fresh
 * namespaces (network, mount, PID, IPC, UTS; see {@link CellNamespaces}) and brings {@code lo} up
 * while the runner plans the cell and opens its trail.
 *
 * @param namespace completes when the thread is in its new namespaces, or with the reason it is not
 */
public record LaunchStart(LaunchThread thread, CompletableFuture<Void> namespace) {
    public static LaunchStart begin(String cellId) {
        Nftables.prepareForLaunchThreads();
        LaunchClasses.loadIfFromDirectory();
        LaunchThread thread = LaunchThread.start("cell-launch-" + cellId);
        String hostname = CellHostname.of(cellId);
        return new LaunchStart(thread, thread.submit(() -> {
            CellNamespaces.enter(hostname);
            NetworkNamespace.bringLoopbackUp();
            return null;
        }));
    }

    /** Ends the thread (its namespaces go with it); for a cell that does not run, and safe to repeat. */
    public void end() {
        try {
            thread.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
