package dev.cellrunner.conformance.harness;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One case's workspace: a private directory under /tmp named {@code crconf-*}, the specs written
 * into it, and every runner call made from it. Closing it kills whatever a call left running and
 * deletes the directory.
 */
public final class Harness implements AutoCloseable {
    /** Variables of the runner's environment that would redirect or silence its events. */
    private static final List<String> SCRUBBED_PREFIXES = List.of("CELL_OS_", "CELLOS_");

    private final RunnerUnderTest runner;
    private final Path dir;
    private final List<RunningRunner> started = new ArrayList<>();
    private int calls;

    public Harness(RunnerUnderTest runner) {
        this.runner = runner;
        try {
            this.dir = Files.createTempDirectory("crconf-");
            // The cell may run under another identity once confinement lands: let it write here.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a workspace under /tmp", e);
        }
    }

    public RunnerUnderTest runner() {
        return runner;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /**
     * A directory the cell may write (declare it with {@link Spec#writable}); apart from the trails and
     * specs in {@link #dir()}, which a cell must never be able to touch.
     */
    public Path cellDir() {
        Path cell = dir.resolve("cell");
        try {
            Files.createDirectories(cell);
            Files.setPosixFilePermissions(cell, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cell;
    }

    /** A file in {@link #cellDir()}: where a cell leaves markers and pid files for the case to read. */
    public Path cellFile(String name) {
        return cellDir().resolve(name);
    }

    /** A string unique to this case, to find its processes and files on the host. */
    public String marker() {
        return "crconf-" + UUID.randomUUID().toString().substring(0, 12);
    }

    public Path write(String name, String text) {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    public Path write(String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path writeSpec(Spec spec) {
        return write(spec.id() + ".json", spec.json());
    }

    /** Writes the spec and runs it with a JSONL trail; waits for the runner to exit. */
    public RunResult run(Spec spec) {
        return call(RunnerCall.run(writeSpec(spec)));
    }

    public RunResult call(RunnerCall call) {
        return start(call).awaitExit();
    }

    /** Starts a call and returns at once; the harness kills it at close if it is still running. */
    public RunningRunner start(RunnerCall call) {
        String unusable = runner.unusableBecause();
        if (unusable != null) {
            throw new AssertionError("the runner under test cannot be started: " + unusable);
        }
        int n = ++calls;
        Path events = call.collectEvents ? dir.resolve("events-" + n + ".jsonl") : null;
        Path stdout = call.discardStdout ? null : dir.resolve("call-" + n + ".stdout");
        Path stderr = dir.resolve("call-" + n + ".stderr");
        List<String> command = new ArrayList<>(call.wrapper);
        command.addAll(runner.command(call.argumentsWithEvents(events)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()))
                .redirectError(stderr.toFile())
                .redirectInput(call.stdin == null ? new File("/dev/null") : write("call-" + n + ".stdin", call.stdin).toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> SCRUBBED_PREFIXES.stream().anyMatch(name::startsWith));
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.putAll(call.environment);
        try {
            RunningRunner running = new RunningRunner(command, builder.start(), stdout, stderr, events, call.limit);
            started.add(running);
            return running;
        } catch (IOException e) {
            throw new AssertionError("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    /**
     * A cell-side script fragment that reports its pid and waits until the case releases it; its files
     * are in {@link #cellDir()}, which the spec must declare with {@link Spec#writable}.
     */
    public CellHold hold(String name) {
        return new CellHold(cellFile(name + ".pid"), cellFile(name + ".release"));
    }

    @Override
    public void close() {
        started.stream().filter(RunningRunner::isAlive).forEach(RunningRunner::kill);
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the workspace " + dir, e);
        }
    }
}
