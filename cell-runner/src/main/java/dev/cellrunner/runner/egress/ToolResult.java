package dev.cellrunner.runner.egress;

/** How a helper program ended: its exit code, what it printed, and how long it took. */
public record ToolResult(int exitCode, String stdout, String stderr, long nanos) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** The first line of stderr, for a one-line reason in an event. */
    public String error() {
        String text = stderr.strip();
        return text.isEmpty() ? "exit status " + exitCode : text.lines().findFirst().orElse(text);
    }
}
