package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cgroup.LimitsPlan;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything the launch thread applies to one cell before its workload starts, resolved at planning
 * time. Capabilities are always emptied and no_new_privs always set, so they need no data here.
 *
 * @param identity    the user/group to switch to, or null to keep the runner's
 * @param landlock    the landlock domain; empty when the kernel has none and nothing asked for it
 * @param landlockAbi the kernel's landlock ABI (0: none)
 * @param tempDir     the cell's private $TMPDIR, created before start and removed after
 * @param limits      resource limits and the cgroup mechanism for each
 */
public record ConfinementPlan(Identity identity, Optional<LandlockPlan> landlock, int landlockAbi,
                              SeccompPlan seccomp, Path tempDir, LimitsPlan limits) {
}
