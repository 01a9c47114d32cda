package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cell.RunnerPolicy;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.cgroup.LimitsPlanner;
import dev.cellrunner.runner.mount.MountPlan;
import dev.cellrunner.runner.mount.MountPlanner;
import dev.cellrunner.runner.mount.MountProgram;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpec;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.spec.FilesystemAuthority;
import dev.cellrunner.spec.SyscallAuthority;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
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
        return plan(document, executable, host, RunnerPolicy.DEFAULT);
    }

    /** @param policy the runner's options: root consent, the uid range, default limits */
    public static ConfinementPlan plan(CellDocument document, Optional<Path> executable, HostFacts host,
                                       RunnerPolicy policy) throws Refusal {
        return plan(document, executable, host, policy, policy.egressMode().modeFor(document.spec().authority().egressMode()));
    }

    /**
     * @param egressMode in audit mode landlock's TCP port rules are left out: they would refuse a connect to
     *                   an undeclared port before any packet left, and the audit would learn nothing of ports
     */
    public static ConfinementPlan plan(CellDocument document, Optional<Path> executable, HostFacts host,
                                       RunnerPolicy policy, EgressMode egressMode) throws Refusal {
        CellSpec spec = document.spec();
        Identity identity = IdentityPlanner.plan(spec.run().user(), spec.run().group(), policy.allowRootCells(),
                policy.uidRange());
        LimitsPlan limits = LimitsPlanner.plan(spec.run().limits(), host.cgroups(), host.v2Controllers(),
                policy.defaultLimits());
        MountPlan mounts = MountPlanner.plan(spec.authority().filesystem(), host.privatePaths(), host.cellInit(),
                host.hostDirs(), limits.tempSpace().bytes(), limits.tempSpace().source().label());
        boolean audit = egressMode == EgressMode.AUDIT;
        Optional<LandlockPlan> landlock = LandlockPlanner.plan(spec.authority().filesystem(),
                audit ? List.of() : spec.authority().egressRules(), executable, mounts, host.landlockAbi(),
                visiblePrivates(mounts)).map(plan -> plan.withNetworkAudited(audit && host.landlockAbi() >= 4));
        checkWritable(spec.authority().filesystem(), identity);
        SyscallAuthority syscalls = spec.authority().syscalls();
        SeccompPlan seccomp = SeccompPlan.of(syscalls == null ? List.of() : syscalls.deny(), isHostRoot(identity));
        return new ConfinementPlan(identity, landlock, host.landlockAbi(), seccomp, TEMP_DIR, limits, mounts);
    }

    /** uid 0 or gid 0 (allowed only with the runner's consent): the owner of the host's root-owned files. */
    static boolean isHostRoot(Identity identity) {
        return Integer.valueOf(0).equals(identity.uid()) || Integer.valueOf(0).equals(identity.gid());
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

    /** A declared readWrite path the cell's identity cannot write is refused; its ownership is never changed. */
    private static void checkWritable(FilesystemAuthority filesystem, Identity identity) throws Refusal {
        if (filesystem == null) {
            return;
        }
        for (String declared : filesystem.readWrite()) {
            Optional<String> refusal;
            try {
                refusal = WriteAccess.refusal(Path.of(declared).toRealPath(), identity);
            } catch (NoSuchFileException e) {
                throw new Refusal("authority.filesystem.readWrite", declared + " does not exist on this host");
            } catch (IOException e) {
                throw new Refusal("authority.filesystem.readWrite", declared + ": " + e.getMessage());
            }
            if (refusal.isPresent()) {
                throw new Refusal("authority.filesystem.readWrite", declared + ": " + refusal.get() + " by the cell's "
                        + (identity.source() == Identity.Source.ALLOCATED ? "allocated uid" : "uid " + identity.uid())
                        + (identity.gid() == null ? "" : " and gid " + identity.gid())
                        + "; the runner never changes ownership: make it writable for that identity (e.g. mode 1777, "
                        + "or a group the cell runs in with run.group), or run the cell as its owner (run.user)");
            }
        }
    }
}
