package dev.cellrunner.runner.egress;

import java.util.concurrent.Callable;

/**
 * Runs a step on the cell's launch thread, which is inside the cell's network namespace (e.g.
 * {@code LaunchThread::call}). A netlink socket or libnftables context opened there acts on the cell.
 */
@FunctionalInterface
public interface CellThread {
    <T> T call(Callable<T> step) throws Exception;
}
