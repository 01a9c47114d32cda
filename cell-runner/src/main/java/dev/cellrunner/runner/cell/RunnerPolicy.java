package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.cgroup.DefaultLimits;

/**
 * What the operator who started the runner allows every cell of it, beyond what a document may ask
 * for on its own, and what a cell gets where its document is silent: the runner options {@code run}
 * and {@code serve} share, as planning needs them.
 *
 * @param allowHostEgress {@code --allow-host-egress}: destinations on the host itself may be declared
 * @param defaultLimits   {@code --default-pids-max}, {@code --default-memory-max}, {@code --default-temp-max}
 */
public record RunnerPolicy(boolean allowHostEgress, DefaultLimits defaultLimits) {
    /** A runner started without any of these options. */
    public static final RunnerPolicy DEFAULT = new RunnerPolicy(false, DefaultLimits.STANDARD);

    public RunnerPolicy withAllowHostEgress(boolean allow) {
        return new RunnerPolicy(allow, defaultLimits);
    }

    public RunnerPolicy withDefaultLimits(DefaultLimits limits) {
        return new RunnerPolicy(allowHostEgress, limits);
    }
}
