package dev.cellrunner.runner.cell;

import dev.cellrunner.nft.HostAddresses;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.confine.ConfinementPlan;
import dev.cellrunner.spec.CellDocument;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.spec.EgressRule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything that will be enforced for one cell, fully resolved, computed without touching the system.
 *
 * @param executable  argv[0] resolved against the cell's PATH; empty when nothing executable was found
 * @param environment the child's complete environment (secret values included: never log this)
 * @param lifetime    the shorter of {@code lifetime.ttlSeconds} and {@code run.timeoutMs}
 * @param egress      the egress rules pinned to the addresses they open (hostnames resolved once, before start)
 * @param confinement what the launch thread applies before the workload starts (confine package)
 * @param policy      what the runner's options allow its cells
 * @param hostAddresses the host's own addresses when the cell was planned, and the uplink pools: what it
 *                      never reaches unless the runner allows host egress
 * @param egressMode  enforce, or audit: every destination but the host reachable, the rules only compared
 */
public record CellPlan(CellDocument document, String specDigest, String cellId, List<String> argv,
                       Optional<Path> executable, Map<String, String> environment, Path workingDirectory,
                       Duration lifetime, List<EgressRule> egressRules, List<PinnedRule> egress,
                       ConfinementPlan confinement, RunnerPolicy policy, HostAddresses hostAddresses,
                       EgressMode egressMode) {
    public CellPlan {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
        egressRules = List.copyOf(egressRules);
        egress = List.copyOf(egress);
    }

    /** This plan with the cell's allocated uid, once it has one. */
    public CellPlan withAllocatedUid(int uid) {
        return new CellPlan(document, specDigest, cellId, argv, executable, environment, workingDirectory, lifetime,
                egressRules, egress, confinement.withIdentity(confinement.identity().withAllocatedUid(uid)), policy,
                hostAddresses, egressMode);
    }
}
