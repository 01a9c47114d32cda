package dev.cellrunner.runner.confine;

import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.SyscallAuthority;

import java.util.List;

/** Resolves what the document asks for into a {@link ConfinementPlan}, or refuses what cannot be enforced. */
public final class ConfinementPlanner {
    private ConfinementPlanner() {
    }

    public static ConfinementPlan plan(CellDocument document) {
        SyscallAuthority syscalls = document.spec().authority().syscalls();
        return new ConfinementPlan(SeccompPlan.of(syscalls == null ? List.of() : syscalls.deny()));
    }
}
