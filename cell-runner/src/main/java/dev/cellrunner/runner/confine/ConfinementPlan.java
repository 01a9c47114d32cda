package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.mount.MountPlan;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything the launch thread applies to one cell before its workload starts, resolved at planning
 * time. Capabilities are always emptied and no_new_privs always set, so they need no data here.
 *
 * @param identity    the user and group the workload runs as (an allocated one gets its uid at start)
 * @param landlock    the landlock domain; empty when the kernel has none and nothing asked for it
 * @param landlockAbi the kernel's landlock ABI (0: none)
 * @param tempDir     the cell's $TMPDIR as the cell sees it: its own tmpfs (see {@link MountPlan})
 * @param limits      resource limits and the cgroup mechanism for each
 * @param mounts      the cell's mount view
 */
public record ConfinementPlan(Identity identity, Optional<LandlockPlan> landlock, int landlockAbi,
                              SeccompPlan seccomp, Path tempDir, LimitsPlan limits, MountPlan mounts) {
    /** This plan with the runner providing {@code file} inside the cell (see {@link MountPlan.ProvidedFile}). */
    public ConfinementPlan withProvided(MountPlan.ProvidedFile file) {
        return new ConfinementPlan(identity, landlock, landlockAbi, seccomp, tempDir, limits, mounts.withProvided(file));
    }

    /** This plan with the identity the cell got at start (its allocated uid). */
    public ConfinementPlan withIdentity(Identity resolved) {
        return new ConfinementPlan(resolved, landlock, landlockAbi, seccomp, tempDir, limits, mounts);
    }
}
