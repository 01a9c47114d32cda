package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Lets a case look at a cell's process from the host while it runs: the cell's shell writes its pid
 * ({@code $$}, as the cell sees it: in its own PID namespace) to a file, then waits (at most 60 s)
 * until the case creates the release file. {@link #awaitPid} gives the host's pid of that process.
 */
public record CellHold(Path pidFile, Path releaseFile) {
    /** The /bin/sh fragment: announce the pid atomically, then wait for release. */
    public String script() {
        return "echo $$ > " + pidFile + ".tmp && mv " + pidFile + ".tmp " + pidFile
                + "; n=0; while [ ! -e " + releaseFile + " ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done";
    }

    /**
     * The host's pid of the cell's shell, once it wrote its own; fails at once if the runner exits before
     * the cell announced it.
     */
    public long awaitPid(RunningRunner runner) {
        return Await.value(Duration.ofSeconds(30), "the cell to write its pid to " + pidFile, () -> {
            if (Files.exists(pidFile)) {
                return Optional.of(Proc.hostPidOf(runner, Long.parseLong(read().strip())));
            }
            if (!runner.isAlive()) {
                throw new AssertionError("the runner exited before the cell wrote its pid: "
                        + runner.awaitExit().describe());
            }
            return Optional.empty();
        });
    }

    public void release() {
        try {
            Files.writeString(releaseFile, "go\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String read() {
        try {
            return Files.readString(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
