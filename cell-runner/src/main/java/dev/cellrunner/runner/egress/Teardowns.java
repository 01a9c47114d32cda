package dev.cellrunner.runner.egress;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Removing a cell's objects from the host waits on the kernel: deleting a veth waits for RCU grace
 * periods (15-20 ms on a small VM, nearly all of it idle), and the next cell need not wait for that.
 * So a cell's host-side teardown runs on a thread of its own that has entered the runner's namespace,
 * in order, while the runner goes on (the thread is best started while the cell still runs, {@link
 * CellNetwork#readyForEnd}). At most {@link #AT_ONCE} run at a time (the kernel serialises
 * veth deletions anyway; further callers wait, so a busy runner slows down instead of piling up), and
 * the runner does not exit before they are done ({@link #awaitAll}, from the shutdown hook).
 */
final class Teardowns {
    static final int AT_ONCE = 4;
    static final String THREAD = "cell-network-teardown";
    private static final Semaphore RUNNING = new Semaphore(AT_ONCE);

    private Teardowns() {
    }

    /**
     * Runs {@code job} inside {@code runnerNamespace}, on {@code inside} (its thread started ahead there,
     * {@link NetnsHandle#startAhead}) or else a thread started now, then closes that handle.
     */
    static void start(NetnsHandle runnerNamespace, NetnsHandle.Ahead<Void> inside, Runnable job, Consumer<String> log) {
        RUNNING.acquireUninterruptibly();
        try {
            (inside != null ? inside : runnerNamespace.<Void>startAhead(THREAD)).run(() -> {
                job.run();
                return null;
            }).whenComplete((done, failure) -> {
                runnerNamespace.close();
                RUNNING.release();
                if (failure != null) {
                    log.accept("cannot remove the cell's uplink from the host (cell-runner gc will): "
                            + failure.getMessage());
                }
            });
        } catch (RuntimeException | Error e) {
            runnerNamespace.close();
            RUNNING.release();
            throw e;
        }
    }

    /** Waits until no teardown is running, at most {@code limit}; false when some are still running. */
    static boolean awaitAll(Duration limit) throws InterruptedException {
        if (!RUNNING.tryAcquire(AT_ONCE, limit.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        RUNNING.release(AT_ONCE);
        return true;
    }
}
