package dev.cellrunner.runner.confine;

import java.nio.file.Path;
import java.util.List;

/**
 * The landlock domain of one cell.
 *
 * @param abi              the kernel's landlock ABI version
 * @param declared         whether the document declared {@code authority.filesystem}; if not, the
 *                         default read-only host view applies
 * @param handledFs        filesystem rights the domain controls (all the ABI offers)
 * @param handledNet       TCP rights the domain controls (when egress is declared and ABI >= 4)
 * @param scoped           IPC scopes (ABI >= 6)
 * @param requested        the rules as planned, before private paths were carved out (what the event lists)
 * @param rules            the rules applied: {@code requested} with private paths carved out
 * @param tcpConnectPorts  the only TCP ports connect() may reach when {@code handledNet} is set
 * @param tcpBindPorts     the only TCP ports bind() may name when {@code handledNet} is set; 0 is an
 *                         ephemeral port the kernel picks (what connect() and listen() take unasked)
 * @param privatePaths     runner files and directories the cell must not reach (carved out of every rule)
 * @param launchRules      rules added on the launch thread once the cell's mounts exist: on the cell's own
 *                         fresh mounts, and on each declared path from the descriptor its bind mount used
 * @param networkAudited   audit mode left the TCP port rules out, where this ABI would have enforced them
 */
public record LandlockPlan(int abi, boolean declared, long handledFs, long handledNet, long scoped,
                           List<LandlockRule> requested, List<LandlockRule> rules, List<Integer> tcpConnectPorts,
                           List<Integer> tcpBindPorts, List<Path> privatePaths, List<LaunchRule> launchRules, boolean networkAudited) {
    public LandlockPlan(int abi, boolean declared, long handledFs, long handledNet, long scoped,
                        List<LandlockRule> requested, List<LandlockRule> rules, List<Integer> tcpConnectPorts,
                        List<Integer> tcpBindPorts, List<Path> privatePaths, List<LaunchRule> launchRules) {
        this(abi, declared, handledFs, handledNet, scoped, requested, rules, tcpConnectPorts, tcpBindPorts, privatePaths,
                launchRules, false);
    }

    /**
     * Why a declared rule does not reach what it names, or empty when it does: the cell's own /proc is
     * mounted once PID 1 exists, after the landlock domain is made, and landlock's walk up from a file
     * skips the directory a mount covers, so a rule at or below /proc never reaches it (docs/confinement.md).
     */
    public java.util.Optional<String> notGranted(LandlockRule rule) {
        return declared && rule.source().startsWith("authority.") && rule.path().startsWith("/proc")
                ? java.util.Optional.of(PROC_NOT_GRANTED) : java.util.Optional.empty();
    }

    /** The runner-private paths carved out of {@code rule}: those below it, unless it is the read-only host's "/". */
    public List<Path> carvedFrom(LandlockRule rule) {
        return LandlockPlanner.isReadOnlyHost(rule) ? List.of()
                : privatePaths.stream().filter(path -> path.startsWith(rule.path())).toList();
    }

    /** The warnings a run prints for declared rules that grant nothing ({@link #notGranted}). */
    public List<String> notGrantedWarnings() {
        return requested.stream().flatMap(rule -> notGranted(rule).stream()
                .map(why -> rule.source() + " " + rule.path() + ": not granted: " + why)).toList();
    }

    static final String PROC_NOT_GRANTED = "the cell's own /proc is mounted after its landlock domain is made, so "
            + "no rule of a declared filesystem reaches it; without authority.filesystem (a read-only host) the cell "
            + "reads its /proc";

    /** This plan, saying whether audit mode left its network rules out. */
    public LandlockPlan withNetworkAudited(boolean audited) {
        return new LandlockPlan(abi, declared, handledFs, handledNet, scoped, requested, rules, tcpConnectPorts,
                tcpBindPorts, privatePaths, launchRules, audited);
    }

    public LandlockPlan {
        requested = List.copyOf(requested);
        rules = List.copyOf(rules);
        tcpConnectPorts = List.copyOf(tcpConnectPorts);
        tcpBindPorts = List.copyOf(tcpBindPorts);
        privatePaths = List.copyOf(privatePaths);
        launchRules = List.copyOf(launchRules);
    }

    /**
     * A rule whose object exists only in the cell's mount view, or must be the very object bound there.
     *
     * @param path          the path in the cell
     * @param declaredIndex the declared mount whose descriptor it takes, or -1 to open {@code path} in the cell
     */
    public record LaunchRule(Path path, long access, String source, int declaredIndex) {
    }
}
