package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cgroup.DefaultLimits;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.cgroup.LimitsPlanner;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.runner.mount.MountPlanner;
import dev.cellrunner.runner.mount.MountProgram;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpec;
import dev.cellrunner.spec.SyscallAuthority;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Resolves what the document asks for into a {@link ConfinementPlan}, or refuses what cannot be enforced. */
public final class ConfinementPlanner {
    /** The cell's $TMPDIR: its own /tmp, a tmpfs of its mount namespace. */
    public static final Path TEMP_DIR = Path.of("/tmp");

    private ConfinementPlanner() {
    }

    public static ConfinementPlan plan(CellDocument document, Optional<Path> executable, HostFacts host)
            throws Refusal {
        return plan(document, executable, host, DefaultLimits.STANDARD);
    }

    /** @param defaultLimits what the cell gets for each limit its document does not name */
    public static ConfinementPlan plan(CellDocument document, Optional<Path> executable, HostFacts host,
                                       DefaultLimits defaultLimits) throws Refusal {
        CellSpec spec = document.spec();
        Identity identity = IdentityResolver.resolve(spec.run().user(), spec.run().group());
        LimitsPlan limits = LimitsPlanner.plan(spec.run().limits(), host.cgroups(), host.v2Controllers(),
                defaultLimits);
        MountPlan mounts = MountPlanner.plan(spec.authority().filesystem(), host.privatePaths(), host.cellInit(),
                host.hostDirs(), limits.tempSpace().bytes(), limits.tempSpace().source().label());
        Optional<LandlockPlan> landlock = LandlockPlanner.plan(spec.authority().filesystem(),
                spec.authority().egressRules(), executable, mounts, host.landlockAbi(), visiblePrivates(mounts));
        SyscallAuthority syscalls = spec.authority().syscalls();
        SeccompPlan seccomp = SeccompPlan.of(syscalls == null ? List.of() : syscalls.deny());
        return new ConfinementPlan(identity, landlock, host.landlockAbi(), seccomp, TEMP_DIR, limits, mounts);
    }

    /**
     * The private paths landlock must carve out: those the mount view does not hide already (a path in
     * one of the cell's fresh mounts is not there, unless a declared path brings it in).
     */
    static List<Path> visiblePrivates(MountPlan mounts) {
        return mounts.privatePaths().stream()
                .filter(path -> !MountProgram.inFreshMount(path)
                        || mounts.declared().stream().anyMatch(d -> path.startsWith(d.planned())))
                .toList();
    }
}
