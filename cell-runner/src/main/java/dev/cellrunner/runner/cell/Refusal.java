package dev.cellrunner.runner.cell;

/**
 * A control the document asks for cannot be enforced here, so the cell does not run (exit 69).
 * {@code control} names the control (e.g. "network.namespace"), {@code reason} says why.
 */
public final class Refusal extends Exception {
    private final String control;

    public Refusal(String control, String reason) {
        super(control + ": " + reason);
        this.control = control;
    }

    public Refusal(String control, String reason, Throwable cause) {
        super(control + ": " + reason, cause);
        this.control = control;
    }

    public String control() {
        return control;
    }

    public String reason() {
        return getMessage().substring(control.length() + 2);
    }
}
