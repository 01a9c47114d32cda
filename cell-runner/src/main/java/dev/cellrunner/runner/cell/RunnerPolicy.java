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
 */
public record RunnerPolicy(boolean allowHostEgress, boolean allowRootCells, UidRange uidRange,
                           DefaultLimits defaultLimits) {
    /** A runner started without any of these options. */
    public static final RunnerPolicy DEFAULT = new RunnerPolicy(false, false, UidRange.DEFAULT, DefaultLimits.STANDARD);

    public RunnerPolicy withAllowHostEgress(boolean allow) {
        return new RunnerPolicy(allow, allowRootCells, uidRange, defaultLimits);
    }

    public RunnerPolicy withAllowRootCells(boolean allow) {
        return new RunnerPolicy(allowHostEgress, allow, uidRange, defaultLimits);
    }

    public RunnerPolicy withUidRange(UidRange range) {
        return new RunnerPolicy(allowHostEgress, allowRootCells, range, defaultLimits);
    }

    public RunnerPolicy withDefaultLimits(DefaultLimits limits) {
        return new RunnerPolicy(allowHostEgress, allowRootCells, uidRange, limits);
    }
}
