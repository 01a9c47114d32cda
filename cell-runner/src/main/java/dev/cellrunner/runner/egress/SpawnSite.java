package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.os.SpawnRequest;
import dev.cellrunner.runner.os.SpawnedProcess;
import dev.cellrunner.runner.os.Spawner;

/**
 * The thread a helper program is spawned from, which decides the network namespace it acts on:
 * the cell's launch thread, a throwaway thread inside the cell's namespace, or the runner's own.
 */
@FunctionalInterface
public interface SpawnSite {
    /** The calling thread, which is in the runner's (the host's) namespace. */
    SpawnSite HOST = Spawner::spawn;

    SpawnedProcess spawn(SpawnRequest request) throws Exception;
}
