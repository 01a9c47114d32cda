package dev.cellrunner.runner.mount;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fresh threads for work that changes a thread's kernel state for good (its filesystem context and mount
 * namespace): each runs one task and ends, never reused. One is kept started ahead, so handing a cell's
 * work over costs a hand-off instead of a thread start (0.3-0.9 ms median, several ms at p90 on a loaded
 * machine, on the cell's path). The spare is started by the thread that takes the previous one, before
 * its task changes anything of it: a new thread shares its creator's filesystem context and namespaces.
 */
final class FreshThreads {
    private static final AtomicReference<CompletableFuture<Runnable>> SPARE = new AtomicReference<>();

    private FreshThreads() {
    }

    /** Runs {@code task} on a fresh thread named {@code name} (a daemon), the spare when there is one. */
    static void run(String name, Runnable task) {
        CompletableFuture<Runnable> thread = SPARE.getAndSet(null);
        if (thread == null) {
            thread = start(); // the first, or another cell's work took the spare meanwhile
        }
        thread.complete(() -> {
            Thread.currentThread().setName(name);
            task.run();
        });
    }

    private static CompletableFuture<Runnable> start() {
        CompletableFuture<Runnable> work = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            Runnable task = work.join();
            startSpare(); // while this thread is still as it was made
            task.run();
        }, "cell-helper-spare");
        thread.setDaemon(true);
        thread.start();
        return work;
    }

    private static void startSpare() {
        CompletableFuture<Runnable> next = start();
        if (!SPARE.compareAndSet(null, next)) {
            next.complete(() -> { }); // one spare is kept: this one ends at once
        }
    }
}
