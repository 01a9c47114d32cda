package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.os.LibC;

import java.nio.file.Path;
import java.util.List;

/**
 * The parts of a cell's confinement built ahead of the launch thread ({@link Confiner#prepare}): the
 * seccomp program, the landlock ruleset descriptor (-1 without landlock) and the runner-private
 * files the landlock probes check. Closing it closes the ruleset unless {@link Confiner#apply} took it.
 */
public final class PreparedConfinement implements AutoCloseable {
    private final List<BpfInstruction> seccompFilter;
    private final List<Path> privateFiles;
    private int landlockRuleset;

    PreparedConfinement(List<BpfInstruction> seccompFilter, int landlockRuleset, List<Path> privateFiles) {
        this.seccompFilter = List.copyOf(seccompFilter);
        this.landlockRuleset = landlockRuleset;
        this.privateFiles = List.copyOf(privateFiles);
    }

    List<BpfInstruction> seccompFilter() {
        return seccompFilter;
    }

    List<Path> privateFiles() {
        return privateFiles;
    }

    /** The ruleset, still held here (rules are added to it until it is taken). */
    synchronized int landlockRuleset() {
        return landlockRuleset;
    }

    /** The ruleset for the cell's PID 1 to restrict itself to, when it makes the domain; -1 otherwise or once taken. */
    public synchronized int rulesetForPid1(ConfinementPlan plan) {
        return plan.landlock().filter(LandlockPlan::madeByPid1).isPresent() ? landlockRuleset : -1;
    }

    /** Hands the ruleset over (restricting closes it); afterwards {@link #close} leaves it alone. */
    synchronized int takeLandlockRuleset() {
        int ruleset = landlockRuleset;
        landlockRuleset = -1;
        return ruleset;
    }

    @Override
    public synchronized void close() {
        if (landlockRuleset >= 0) {
            LibC.INSTANCE.close(landlockRuleset);
            landlockRuleset = -1;
        }
    }
}
