package dev.cellrunner.runner.confine;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
     * The declared rules at or below /proc: they name the cell's own /proc, which is mounted once PID 1
     * exists. Landlock's walk up from a file skips the directory a mount covers, so no rule made before that
     * mount reaches it: with such rules the launch thread makes no domain, and PID 1 restricts itself to the
     * ruleset once they are added ({@link #madeByPid1}).
     */
    public List<LaunchRule> procRules() {
        return launchRules.stream().filter(LandlockPlan::onCellProc).toList();
    }

    /** Whether PID 1 makes the cell's landlock domain, at its go, instead of the launch thread before the spawn. */
    public boolean madeByPid1() {
        return !procRules().isEmpty();
    }

    /** Whether a rule names the cell's own /proc (declared by the document: the read-only host's "/" covers it). */
    static boolean onCellProc(LaunchRule rule) {
        return onCellProc(rule.source(), rule.path());
    }

    /** As {@link #onCellProc(LaunchRule)}, for a rule of {@code source} on {@code path}. */
    static boolean onCellProc(String source, Path path) {
        return source.startsWith("authority.") && path.startsWith("/proc");
    }

    /** What PID 1 opens after restricting itself, which its domain must refuse: "/", unless a rule grants it. */
    public Optional<Path> pid1Probe() {
        return rules.stream().anyMatch(rule -> rule.path().equals(Path.of("/"))) ? Optional.empty()
                : Optional.of(Path.of("/"));
    }

    /** The runner-private paths carved out of {@code rule}: those below it, unless it is the read-only host's "/". */
    public List<Path> carvedFrom(LandlockRule rule) {
        return LandlockPlanner.isReadOnlyHost(rule) ? List.of()
                : privatePaths.stream().filter(path -> path.startsWith(rule.path())).toList();
    }

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
