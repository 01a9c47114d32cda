package dev.cellrunner.runner.cli;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.runner.cell.RunnerPolicy;
import dev.cellrunner.runner.cgroup.DefaultLimits;
import picocli.CommandLine.Option;

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

    @Option(names = ALLOW_HOST_EGRESS,
            description = "Let documents declare destinations on this host: its own addresses, the uplink pools, "
                    + "loopback, link-local, multicast and reserved ranges (and their IPv6 embeddings). Without it "
                    + "such a cell is refused (exit 69), its DNS responder never answers with them, and the "
                    + "host-side filter never forwards there.")
    boolean allowHostEgress;

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

    /** What these options allow; a malformed value is an IllegalArgumentException naming the option. */
    RunnerPolicy policy() {
        DefaultLimits standard = DefaultLimits.STANDARD;
        DefaultLimits limits = new DefaultLimits(
                defaultPidsMax == null ? standard.pidsMax() : DefaultLimits.count(DEFAULT_PIDS_MAX, defaultPidsMax),
                defaultMemoryMax == null ? standard.memoryMaxBytes()
                        : DefaultLimits.bytes(DEFAULT_MEMORY_MAX, defaultMemoryMax, true),
                defaultTempMax == null ? standard.tempMaxBytes()
                        : DefaultLimits.bytes(DEFAULT_TEMP_MAX, defaultTempMax, false));
        return RunnerPolicy.DEFAULT.withAllowHostEgress(allowHostEgress).withDefaultLimits(limits);
    }
}
