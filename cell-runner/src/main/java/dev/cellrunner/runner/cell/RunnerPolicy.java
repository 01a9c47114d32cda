package dev.cellrunner.runner.cell;

/**
 * What the operator who started the runner allows every cell of it, beyond what a document may ask
 * for on its own: the runner options {@code run} and {@code serve} share, as planning needs them.
 *
 * @param allowHostEgress {@code --allow-host-egress}: destinations on the host itself may be declared
 */
public record RunnerPolicy(boolean allowHostEgress) {
    /** A runner started without any of these options. */
    public static final RunnerPolicy DEFAULT = new RunnerPolicy(false);

    public RunnerPolicy withAllowHostEgress(boolean allow) {
        return new RunnerPolicy(allow);
    }
}
