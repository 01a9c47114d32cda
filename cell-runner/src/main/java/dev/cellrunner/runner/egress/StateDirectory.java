package dev.cellrunner.runner.egress;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where runners coordinate host-wide state (uplink slot locks, forwarding records, the cells' uids):
 * /run/cell-runner by default, {@code CELL_RUNNER_STATE_DIR} to change it. Runners that share a host
 * share it, or use uplink pools and uid ranges of their own.
 */
public final class StateDirectory {
    private StateDirectory() {
    }

    public static Path of(Map<String, String> env) {
        String dir = env.get("CELL_RUNNER_STATE_DIR");
        return Path.of(dir == null || dir.isBlank() ? "/run/cell-runner" : dir);
    }
}
