package dev.cellrunner.conformance.harness;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** What one finished call of the runner left behind: exit status, its output, and the trail it wrote. */
public record RunResult(List<String> command, int exitCode, byte[] stdout, String stderr, Trail trail,
                        Duration elapsed) {
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** A short account for assertion messages: the command, its exit status and the tail of stderr. */
    public String describe() {
        String tail = stderr.length() > 2000 ? "..." + stderr.substring(stderr.length() - 2000) : stderr;
        return String.join(" ", command) + "\n  exit " + exitCode + " after " + elapsed.toMillis() + " ms"
                + "\n  events " + trail.shortTypes() + "\n  stderr: " + tail.strip();
    }
}
