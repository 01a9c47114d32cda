package dev.cellrunner.runner.cell;

/** Exit status of the runner (CONTRACT.md section 4); a command's own status passes through as is. */
public final class ExitCodes {
    public static final int OK = 0;
    /** Command line could not be understood. */
    public static final int USAGE = 64;
    /** The document is invalid; nothing ran. */
    public static final int INVALID_SPEC = 65;
    /** A requested control cannot be enforced here; nothing ran. */
    public static final int REFUSED = 69;
    /** The runner itself failed (internal error). */
    public static final int SOFTWARE = 70;
    /** A required event sink failed. */
    public static final int SINK_FAILED = 74;
    /** submit: the server cannot be reached or is too busy; nothing ran. */
    public static final int UNAVAILABLE = 75;
    /** submit: the server and the client do not speak the same protocol. */
    public static final int PROTOCOL = 76;
    /** submit: the server refused this client (peer credentials). */
    public static final int NO_PERMISSION = 77;
    /** The lifetime or timeout killed the command. */
    public static final int TIMED_OUT = 124;
    /** The executable exists but could not be executed (shell convention). */
    public static final int CANNOT_EXECUTE = 126;
    /** The executable was not found (shell convention). */
    public static final int NOT_FOUND = 127;

    private ExitCodes() {
    }
}
