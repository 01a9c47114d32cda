package dev.cellrunner.runner.os;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Held around every spawn of the runner. While a cell's workload is being born the whole runner
 * process sits in that cell's cgroup for an instant; holding this lock keeps every other child out.
 */
public final class SpawnLock {
    public static final ReentrantLock LOCK = new ReentrantLock();

    private SpawnLock() {
    }
}
