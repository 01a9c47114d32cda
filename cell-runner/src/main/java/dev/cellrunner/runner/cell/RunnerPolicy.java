package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.cgroup.DefaultLimits;
import dev.cellrunner.runner.confine.UidRange;

/**
 * What the operator who started the runner allows every cell of it, beyond what a document may ask
 * for on its own, and what a cell gets where its document is silent: the runner options {@code run}
 * and {@code serve} share, as planning needs them.
 *
 * @param allowHostEgress {@code --allow-host-egress}: destinations on the host itself may be declared
 * @param allowRootCells  {@code --allow-root-cells}: a document may ask for root ({@code run.user} root or 0)
 * @param uidRange        {@code --uid-range} / {@code CELL_RUNNER_UID_RANGE}: the uids allocated to cells
 * @param defaultLimits   {@code --default-pids-max}, {@code --default-memory-max}, {@code --default-temp-max}
 * @param egressMode      {@code --egress-mode} and {@code --deny-egress-audit}: enforce or audit, and who decides
 */
public record RunnerPolicy(boolean allowHostEgress, boolean allowRootCells, UidRange uidRange,
                           DefaultLimits defaultLimits, EgressModeChoice egressMode) {
    /** A runner started without any of these options. */
    public static final RunnerPolicy DEFAULT = new RunnerPolicy(false, false, UidRange.DEFAULT, DefaultLimits.STANDARD,
            EgressModeChoice.DOCUMENT);

    public RunnerPolicy(boolean allowHostEgress, boolean allowRootCells, UidRange uidRange, DefaultLimits defaultLimits) {
        this(allowHostEgress, allowRootCells, uidRange, defaultLimits, EgressModeChoice.DOCUMENT);
    }

    public RunnerPolicy withEgressMode(EgressModeChoice choice) {
        return new RunnerPolicy(allowHostEgress, allowRootCells, uidRange, defaultLimits, choice);
    }

    public RunnerPolicy withAllowHostEgress(boolean allow) {
        return new RunnerPolicy(allow, allowRootCells, uidRange, defaultLimits, egressMode);
    }

    public RunnerPolicy withAllowRootCells(boolean allow) {
        return new RunnerPolicy(allowHostEgress, allow, uidRange, defaultLimits, egressMode);
    }

    public RunnerPolicy withUidRange(UidRange range) {
        return new RunnerPolicy(allowHostEgress, allowRootCells, range, defaultLimits, egressMode);
    }

    public RunnerPolicy withDefaultLimits(DefaultLimits limits) {
        return new RunnerPolicy(allowHostEgress, allowRootCells, uidRange, limits, egressMode);
    }
}
