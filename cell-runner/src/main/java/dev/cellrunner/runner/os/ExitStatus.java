package dev.cellrunner.runner.os;

/** How a process ended, as waitid reported it: an exit code, or the signal that killed it. */
public record ExitStatus(Integer exitCode, Integer signal, boolean coreDumped) {
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, null, false);
    }

    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(null, signal, coreDumped);
    }

    /** The shell's view: the exit code, or 128 + signal. */
    public int shellStatus() {
        return exitCode != null ? exitCode : 128 + signal;
    }
}
