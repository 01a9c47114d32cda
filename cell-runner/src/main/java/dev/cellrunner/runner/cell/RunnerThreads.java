package dev.cellrunner.runner.cell;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Plain runner threads that cells borrow for work that needs no kernel state of the cell's (building
 * its groups and confinement programs, pumping its output, reaping it), reused from cell to cell so a
 * cell's path does not wait for threads to start. Never used for anything that enters a cell's
 * namespace or confines itself: that is the launch thread's, which is never reused.
 */
public final class RunnerThreads {
    public static final ExecutorService POOL = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "cell-worker");
        thread.setDaemon(true);
        return thread;
    });

    private RunnerThreads() {
    }
}
