package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.CellNamespaces;
import dev.cellrunner.runner.os.NetworkNamespace;
import dev.cellrunner.runner.os.Nftables;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cell's launch thread, started as soon as its document is valid: it enters the cell's fresh
 * namespaces (network, mount, PID, IPC, UTS; see {@link CellNamespaces}) and brings {@code lo} up
 * while the runner plans the cell and opens its trail.
 *
 * <p>A resident runner ({@link #keepOneAhead}) makes the next cell's thread and its network namespace,
 * the costly one, while a cell's trail is synced at its end ({@link #makeNextAhead}; or once a cell has
 * ended without a workload): the next cell takes that thread, which has never served another cell, and
 * it enters the other namespaces then. The mount namespace is never made ahead: it copies the host's mount table, which
 * must be the table of the cell's start.
 *
 * @param namespace completes when the thread is in its new namespaces, or with the reason it is not
 */
public record LaunchStart(LaunchThread thread, CompletableFuture<Void> namespace) {
    private static final AtomicReference<LaunchStart> AHEAD = new AtomicReference<>();
    private static volatile boolean keepOneAhead;

    public static LaunchStart begin(String cellId) {
        Nftables.prepareForLaunchThreads();
        LaunchClasses.loadIfFromDirectory();
        String hostname = CellHostname.of(cellId);
        LaunchStart ahead = AHEAD.getAndSet(null);
        LaunchStart network = ahead != null ? ahead : inFreshNetwork("cell-launch-" + cellId);
        CompletableFuture<Void> rest = network.thread.submit(() -> {
            CellNamespaces.enterAllButNetwork(hostname);
            return null;
        });
        return new LaunchStart(network.thread, network.namespace.thenCombine(rest, (done, alsoDone) -> null));
    }

    /** From now on, a thread in a fresh network namespace waits for the next cell (serve, work). */
    public static void keepOneAhead() {
        keepOneAhead = true;
    }

    /** Back to one-shot behaviour; the thread waiting, if any, ends. */
    static void keepNoneAhead() {
        keepOneAhead = false;
        LaunchStart waiting = AHEAD.getAndSet(null);
        if (waiting != null) {
            waiting.end();
        }
    }

    private static LaunchStart inFreshNetwork(String threadName) {
        LaunchThread thread = LaunchThread.start(threadName);
        return new LaunchStart(thread, thread.submit(() -> {
            CellNamespaces.enterNetwork();
            NetworkNamespace.bringLoopbackUp();
            return null;
        }));
    }

    /**
     * In a resident runner, has the next cell's thread made on a runner thread unless one waits already:
     * called while a cell's trail is synced, when the cell's own threads wait on the disk (not while its
     * workload runs, whose processors it would share).
     */
    public static void makeNextAhead() {
        if (keepOneAhead && AHEAD.get() == null) {
            RunnerThreads.POOL.execute(LaunchStart::makeOneAhead);
        }
    }

    /** The next cell's thread, made on a runner thread, off this cell's path; at most one waits. */
    private static void makeOneAhead() {
        if (AHEAD.get() == null) {
            LaunchStart made = inFreshNetwork("cell-launch-next");
            if (!AHEAD.compareAndSet(null, made)) {
                made.end();
            }
        }
    }

    /** Ends the thread (its namespaces go with it); for a cell that does not run, and safe to repeat. */
    public void end() {
        try {
            thread.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        makeNextAhead();
    }
}
