package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.os.OsError;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies a {@link ConfinementPlan} to the calling thread, which must be the cell's launch thread, in
 * the one order that works: bounding and ambient capabilities (they need CAP_SETPCAP), the remaining
 * capability sets, no_new_privs (landlock and seccomp require it), seccomp last (it would deny the
 * calls the steps before it make). Each control is then probed from this thread.
 */
public final class Confiner {
    private Confiner() {
    }

    /** Returns the probes made after applying; the caller refuses the cell if any does not hold. */
    public static List<Probe> apply(ConfinementPlan plan) throws OsError {
        List<BpfInstruction> filter = SeccompProgram.compile(plan.seccomp());
        Capabilities.dropBoundingAndAmbient();
        Capabilities.clearSets();
        NoNewPrivileges.set();
        Seccomp.install(filter);
        return new ArrayList<>(Seccomp.probe());
    }
}
