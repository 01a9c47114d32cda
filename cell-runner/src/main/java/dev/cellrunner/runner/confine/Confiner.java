package dev.cellrunner.runner.confine;

import dev.cellrunner.runner.mount.MountedCell;
import dev.cellrunner.runner.os.Syscalls;
import dev.cellrunner.runner.os.OsError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Applies a {@link ConfinementPlan} to the calling thread, which must be the cell's launch thread, in
 * the one order that works: the landlock ruleset is built first ({@link #prepare}: opening its paths
 * needs the runner's access, which any runner thread has, so it is built while the network is set
 * up; rules on the cell's own mounts are added here, after they were made), then bounding and ambient
 * capabilities (dropping them needs CAP_SETPCAP), the user and groups (needs CAP_SETUID/SETGID), the
 * remaining capability sets, no_new_privs (landlock and seccomp require it), landlock_restrict_self,
 * seccomp last (it would deny calls the steps before it make). Each control is probed from this thread
 * once applied. A domain with rules on the cell's own /proc is made after the spawn instead, by PID 1
 * and this thread alike ({@link #completeForPid1}), since no domain made before that mount reaches it.
 */
public final class Confiner {
    private static final String PROBE_SOCKET = "cellrunner-landlock-probe";

    private Confiner() {
    }

    /**
     * What can be built before the launch thread is confined, on any runner thread: the seccomp program
     * and the landlock ruleset (opening its paths needs the runner's access; the cell's temp dir must
     * exist). The caller closes it unless {@link #apply} took it.
     */
    public static PreparedConfinement prepare(ConfinementPlan plan) throws OsError {
        List<BpfInstruction> filter = SeccompProgram.compile(plan.seccomp());
        Optional<LandlockPlan> landlock = plan.landlock();
        List<Path> privateFiles = landlock.map(Landlock::privateFiles).orElse(List.of());
        int ruleset = landlock.isPresent() ? Landlock.createRuleset(landlock.get()) : -1;
        return new PreparedConfinement(filter, ruleset, privateFiles);
    }

    /**
     * Applies to the calling (launch) thread, which has built the cell's mounts ({@code mounted});
     * returns the probes made after applying, which the caller checks. When PID 1 makes the landlock
     * domain ({@link LandlockPlan#madeByPid1}), this thread makes none yet: the ruleset stays in
     * {@code prepared}, passed to PID 1, for {@link #completeForPid1}.
     */
    public static List<Probe> apply(ConfinementPlan plan, PreparedConfinement prepared, MountedCell mounted)
            throws OsError {
        Optional<LandlockPlan> landlock = plan.landlock();
        List<Probe> probes = new ArrayList<>();
        // abstract sockets belong to a network namespace: this one is made in the cell's
        try (Landlock.AbstractSocket outside = outsideSocket(landlock)) {
            Capabilities.dropBoundingAndAmbient();
            Credentials.switchTo(plan.identity());
            Capabilities.clearSets();
            NoNewPrivileges.set();
            if (landlock.isPresent()) {
                Landlock.addLaunchRules(prepared.landlockRuleset(), landlock.get(), mounted);
                if (!landlock.get().madeByPid1()) {
                    probes.addAll(restrict(landlock.get(), prepared, outside));
                }
            }
        }
        Seccomp.install(prepared.seccompFilter());
        probes.addAll(Seccomp.probe());
        return probes;
    }

    /**
     * For a domain PID 1 makes: once the cell's /proc is mounted, adds the rules on it to the ruleset PID 1
     * holds, then restricts the calling (launch) thread to the same ruleset and probes it, as {@link #apply}
     * does otherwise; PID 1 restricts itself to it at its go. Returns the probes.
     */
    public static List<Probe> completeForPid1(ConfinementPlan plan, PreparedConfinement prepared) throws OsError {
        LandlockPlan landlock = plan.landlock().orElseThrow();
        Landlock.addProcRules(prepared.landlockRuleset(), landlock);
        try (Landlock.AbstractSocket outside = outsideSocket(plan.landlock())) {
            return restrict(landlock, prepared, outside);
        }
    }

    private static Landlock.AbstractSocket outsideSocket(Optional<LandlockPlan> landlock) throws OsError {
        boolean scoped = landlock.isPresent() && (landlock.get().scoped() & LandlockAccess.SCOPE_ABSTRACT_UNIX_SOCKET) != 0;
        return scoped ? Landlock.AbstractSocket.listen(PROBE_SOCKET) : null;
    }

    private static List<Probe> restrict(LandlockPlan landlock, PreparedConfinement prepared,
                                        Landlock.AbstractSocket outside) throws OsError {
        if (landlock.abi() >= 7) {
            ThreadName.set(LandlockAuditLog.threadName(Syscalls.gettid())); // its audit records name it
        }
        Landlock.restrictSelf(prepared.takeLandlockRuleset(), landlock.abi());
        return Landlock.probe(landlock, prepared.privateFiles(), outside);
    }
}
