package dev.cellrunner.runner.cli;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.runner.cell.EgressModeChoice;
import dev.cellrunner.runner.cell.RunnerPolicy;
import dev.cellrunner.runner.cgroup.DefaultLimits;
import dev.cellrunner.runner.confine.IdentityPlanner;
import dev.cellrunner.runner.confine.UidRange;
import dev.cellrunner.spec.EgressMode;
import picocli.CommandLine.Option;

import java.util.Map;

/**
 * What the operator allows every cell beyond its document, and what a cell gets where its document is
 * silent. Taken by {@code run}, {@code serve} and {@code plan} (which must be given the run's options
 * to show what the run would do). The option names are constants because {@link FastArgs} parses them too.
 */
final class PolicyOptions {
    static final String ALLOW_HOST_EGRESS = EgressPinning.ALLOW_OPTION;
    static final String DEFAULT_PIDS_MAX = "--default-pids-max";
    static final String DEFAULT_MEMORY_MAX = "--default-memory-max";
    static final String DEFAULT_TEMP_MAX = "--default-temp-max";
    static final String ALLOW_ROOT_CELLS = IdentityPlanner.ALLOW_ROOT_OPTION;
    static final String UID_RANGE = UidRange.OPTION;
    static final String EGRESS_MODE = EgressModeChoice.MODE_OPTION;
    static final String DENY_EGRESS_AUDIT = EgressModeChoice.DENY_OPTION;

    @Option(names = EGRESS_MODE, paramLabel = "MODE",
            description = "enforce or audit, for every cell whatever its document's authority.egressMode says. audit: "
                    + "the cell reaches every destination but the host itself, its DNS responder forwards every "
                    + "name, and the trail records what the declared rules would have denied (docs/learn.md). "
                    + "Default: as each document says (enforce when it says nothing).")
    String egressMode;

    @Option(names = DENY_EGRESS_AUDIT,
            description = "Refuse every cell that would run in audit mode (exit 69): its egress rules are always enforced.")
    boolean denyEgressAudit;

    @Option(names = ALLOW_HOST_EGRESS,
            description = "Let documents declare destinations on this host: its own addresses, the uplink pools, "
                    + "loopback, link-local, multicast and reserved ranges (and their IPv6 embeddings). Without it "
                    + "such a cell is refused (exit 69), its DNS responder never answers with them, and the "
                    + "host-side filter never forwards there.")
    boolean allowHostEgress;

    @Option(names = ALLOW_ROOT_CELLS,
            description = "Let a document run its cell as root (run.user root or 0, or group 0). Without it such a "
                    + "cell is refused (exit 69). Root cells still have no capabilities and no AF_UNIX sockets, but read "
                    + "what root owns on the host tree their document lets them see (docs/confinement.md).")
    boolean allowRootCells;

    @Option(names = UID_RANGE, paramLabel = "FIRST-LAST",
            description = "The uids (and gids of the same numbers) allocated to cells that name no user. Default: "
                    + "$" + UidRange.VARIABLE + ", else 61184-65519 (systemd's DynamicUser range).")
    String uidRange;

    @Option(names = DEFAULT_PIDS_MAX, paramLabel = "N",
            description = "Processes and threads of a cell whose document sets no run.limits.pidsMax, or none. "
                    + "Default: " + DefaultLimits.PIDS_MAX + ".")
    String defaultPidsMax;

    @Option(names = DEFAULT_MEMORY_MAX, paramLabel = "BYTES",
            description = "Memory of a cell whose document sets no run.limits.memoryMaxBytes (K, M, G, T suffixes), "
                    + "or none. Default: 1536M.")
    String defaultMemoryMax;

    @Option(names = DEFAULT_TEMP_MAX, paramLabel = "BYTES",
            description = "Temp space of a cell whose document sets no run.limits.tempMaxBytes (K, M, G, T "
                    + "suffixes). Default: 1G.")
    String defaultTempMax;

    /**
     * What these options allow ({@code env} gives what an option left out may come from); a malformed
     * value is an IllegalArgumentException naming the option.
     */
    RunnerPolicy policy(Map<String, String> env) {
        DefaultLimits standard = DefaultLimits.STANDARD;
        DefaultLimits limits = new DefaultLimits(
                defaultPidsMax == null ? standard.pidsMax() : DefaultLimits.count(DEFAULT_PIDS_MAX, defaultPidsMax),
                defaultMemoryMax == null ? standard.memoryMaxBytes()
                        : DefaultLimits.bytes(DEFAULT_MEMORY_MAX, defaultMemoryMax, true),
                defaultTempMax == null ? standard.tempMaxBytes()
                        : DefaultLimits.bytes(DEFAULT_TEMP_MAX, defaultTempMax, false));
        return RunnerPolicy.DEFAULT.withAllowHostEgress(allowHostEgress).withAllowRootCells(allowRootCells)
                .withUidRange(UidRange.of(uidRange, env)).withDefaultLimits(limits)
                .withEgressMode(new EgressModeChoice(egressMode == null ? null : mode(egressMode), denyEgressAudit));
    }

    /** "enforce" or "audit"; anything else is an IllegalArgumentException naming the option (exit 64). */
    static EgressMode mode(String text) {
        try {
            return EgressMode.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(EGRESS_MODE + " " + text + ": expected enforce or audit");
        }
    }
}
