package dev.cellrunner.runner.cell;

import dev.cellrunner.runner.os.ExitStatus;

/**
 * How the command ended. {@code exit} is null when it never started ({@code spawnError} says why);
 * {@code exitCode} is the status the runner passes on.
 */
record Outcome(ExitStatus exit, int exitCode, long durationMs, boolean timedOut, String spawnError,
               long stdoutBytes, long stderrBytes, boolean forced) {
}
