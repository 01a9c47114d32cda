package dev.cellrunner.runner.egress;

/** The cell's network policy could not be put in place and verified: the cell does not run (exit 69). */
public final class NetworkRefusal extends Exception {
    private final NetworkSetup partial;

    public NetworkRefusal(String reason, NetworkSetup partial) {
        super(reason);
        this.partial = partial;
    }

    /** What was in place when setting up stopped, for the events. */
    public NetworkSetup partial() {
        return partial;
    }
}
