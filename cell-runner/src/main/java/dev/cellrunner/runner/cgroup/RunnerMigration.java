package dev.cellrunner.runner.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lets a workload be born inside its cgroup v2 leaf. cgroup v2 places whole processes, not threads,
 * and posix_spawn cannot name a cgroup on this glibc; so the runner process moves into the leaf, the
 * launch thread spawns, and the runner moves back. The child never runs outside its group, so it
 * cannot fork its way out before it is placed. Callers hold {@code SpawnLock} throughout so that no
 * other child of the runner is born in the leaf.
 */
public final class RunnerMigration {
    private RunnerMigration() {
    }

    public static void moveRunnerTo(Path cgroupDir) throws IOException {
        Files.writeString(cgroupDir.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()),
                StandardCharsets.US_ASCII);
    }
}
