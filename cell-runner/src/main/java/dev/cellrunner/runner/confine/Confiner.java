package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.OsError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies a {@link ConfinementPlan} to the calling thread, which must be the cell's launch thread, in
 * the one order that works: the landlock ruleset is built first (opening its paths needs the
 * runner's access), then bounding and ambient capabilities (dropping them needs CAP_SETPCAP), the
 * user and groups (needs CAP_SETUID/SETGID), the remaining capability sets, no_new_privs (landlock and
 * seccomp require it), landlock_restrict_self, seccomp last (it would deny calls the steps before it
 * make). Each control is probed from this thread once applied.
 */
public final class Confiner {
    private static final String PROBE_SOCKET = "cellrunner-landlock-probe";

    private Confiner() {
    }

    /** Returns the probes made after applying; the caller refuses the cell if any does not hold. */
    public static List<Probe> apply(ConfinementPlan plan) throws OsError {
        List<BpfInstruction> filter = SeccompProgram.compile(plan.seccomp());
        Optional<LandlockPlan> landlock = plan.landlock();
        List<Probe> probes = new ArrayList<>();
        List<Path> privateFiles = landlock.map(Landlock::privateFiles).orElse(List.of());
        int ruleset = landlock.isPresent() ? Landlock.createRuleset(landlock.get()) : -1;
        boolean scoped = landlock.isPresent()
                && (landlock.get().scoped() & LandlockAccess.SCOPE_ABSTRACT_UNIX_SOCKET) != 0;
        try (Landlock.AbstractSocket outside = scoped ? Landlock.AbstractSocket.listen(PROBE_SOCKET) : null) {
            Capabilities.dropBoundingAndAmbient();
            if (plan.identity() != null) {
                Credentials.switchTo(plan.identity());
            }
            Capabilities.clearSets();
            NoNewPrivileges.set();
            if (landlock.isPresent()) {
                int domain = ruleset;
                ruleset = -1;
                Landlock.restrictSelf(domain);
                probes.addAll(Landlock.probe(landlock.get(), privateFiles, outside));
            }
        } finally {
            if (ruleset >= 0) {
                LibC.INSTANCE.close(ruleset);
            }
        }
        Seccomp.install(filter);
        probes.addAll(Seccomp.probe());
        return probes;
    }
}
