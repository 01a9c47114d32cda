package dev.cellrunner.runner.egress;

import java.nio.file.Path;
import java.util.Map;

/** Where runners coordinate host-wide state (slot locks, forwarding records): /run/cell-runner by default. */
public final class StateDirectory {
    private StateDirectory() {
    }

    public static Path of(Map<String, String> env) {
        String dir = env.get("CELL_RUNNER_STATE_DIR");
        return Path.of(dir == null || dir.isBlank() ? "/run/cell-runner" : dir);
    }
}
