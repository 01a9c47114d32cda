package dev.cellrunner.runner.egress;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs steps on the cell's launch thread, which is inside the cell's network namespace (e.g.
 * {@code LaunchThread::submit}), in the order given. A netlink socket or libnftables context opened
 * there acts on the cell.
 */
@FunctionalInterface
public interface CellThread {
    /** Queues {@code step} on the launch thread; the caller goes on meanwhile. */
    <T> CompletableFuture<T> submit(Callable<T> step);

    /** Runs {@code step} there and returns its result; its exception is rethrown here. */
    default <T> T call(Callable<T> step) throws Exception {
        return await(submit(step));
    }

    /** Waits for a step {@link #submit}ted earlier; its exception is rethrown here. */
    static <T> T await(CompletableFuture<T> result) throws Exception {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }
}
