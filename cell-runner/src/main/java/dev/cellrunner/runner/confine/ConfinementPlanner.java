package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.cell.Refusal;
import dev.cellrunner.runner.cgroup.LimitsPlan;
import dev.cellrunner.runner.cgroup.LimitsPlanner;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.CellSpec;
import dev.cellrunner.spec.SyscallAuthority;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Resolves what the document asks for into a {@link ConfinementPlan}, or refuses what cannot be enforced. */
public final class ConfinementPlanner {
    private ConfinementPlanner() {
    }

    public static ConfinementPlan plan(CellDocument document, Optional<Path> executable, HostFacts host)
            throws Refusal {
        CellSpec spec = document.spec();
        Identity identity = IdentityResolver.resolve(spec.run().user(), spec.run().group());
        Path tempDir = host.tempBase().resolve(TempDirLeftovers.name(ProcessHandle.current().pid(), UUID.randomUUID()));
        Optional<LandlockPlan> landlock = LandlockPlanner.plan(spec.authority().filesystem(),
                spec.authority().egressRules(), executable, tempDir, host.landlockAbi(), host.privatePaths());
        SyscallAuthority syscalls = spec.authority().syscalls();
        SeccompPlan seccomp = SeccompPlan.of(syscalls == null ? List.of() : syscalls.deny());
        LimitsPlan limits = LimitsPlanner.plan(spec.run().limits(), host.cgroups(), host.v2Controllers());
        return new ConfinementPlan(identity, landlock, host.landlockAbi(), seccomp, tempDir, limits);
    }
}
