package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A runner call still in progress. {@link #awaitExit()} never waits past the call's limit: a runner
 * that has not exited by then is killed with its whole process tree and the case fails as "hung".
 */
public final class RunningRunner {
    private final List<String> command;
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final Path events;
    private final Duration limit;
    private final long startNanos = System.nanoTime();

    RunningRunner(List<String> command, Process process, Path stdout, Path stderr, Path events, Duration limit) {
        this.command = command;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.events = events;
        this.limit = limit;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The runner process and every process below it, as the host sees them now. */
    public List<ProcessHandle> processTree() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()), process.descendants())
                .toList();
    }

    /** What the runner has written to its standard output so far (empty when discarded). */
    public String stdoutSoFar() {
        return stdout == null ? "" : readText(stdout);
    }

    public RunResult awaitExit() {
        Duration remaining = limit.minusNanos(System.nanoTime() - startNanos);
        boolean exited;
        try {
            exited = process.waitFor(Math.max(0, remaining.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("interrupted while waiting for " + String.join(" ", command), e);
        }
        if (!exited) {
            kill();
            throw new AssertionError("the runner hung: no exit within " + limit.toSeconds() + " s, killed with its"
                    + " process tree\n  " + String.join(" ", command) + "\n  stderr: " + readText(stderr).strip());
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        byte[] out = stdout == null ? new byte[0] : readBytes(stdout);
        Trail trail = events == null ? new Trail(null, List.of()) : Trail.read(events);
        return new RunResult(command, process.exitValue(), out, readText(stderr), trail, elapsed);
    }

    /** Kills the runner and everything it started (SIGKILL), and waits briefly for them to go. */
    public void kill() {
        List<ProcessHandle> tree = processTree();
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: the case has failed already and says why
            }
        }
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readText(Path file) {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }
}
