package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cellrunner.runner.testing.CliFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code bin/cell-runner} as a user would: writes a document, runs it with a JSONL trail in a
 * scratch directory of its own, and hands back exit status, output and the events. Every host-side
 * name starts with {@code confine-it-} so parallel runs of other suites never collide with ours.
 */
final class CellRunnerCli implements AutoCloseable {
    static final ObjectMapper JSON = CliFixtures.JSON;
    private static final long RUN_LIMIT_SECONDS = 120;

    private final Path scratch;

    CellRunnerCli() throws IOException {
        this(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** With the scratch directory (and so the trail) below {@code parent}. */
    CellRunnerCli(Path parent) throws IOException {
        scratch = Files.createTempDirectory(parent, "confine-it-");
        // cells run as an allocated uid: they pass through to the paths a test declares for them
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Path scratch() {
        return scratch;
    }

    /** A document for {@code argv} with a unique cell id; callers add authority and limits. */
    static ObjectNode cell(String... argv) {
        return CliFixtures.cell("confine-it-", argv);
    }

    static ObjectNode authority(ObjectNode document) {
        ObjectNode spec = (ObjectNode) document.get("spec");
        return spec.has("authority") ? (ObjectNode) spec.get("authority") : spec.putObject("authority");
    }

    static ObjectNode filesystem(ObjectNode document) {
        ObjectNode authority = authority(document);
        return authority.has("filesystem") ? (ObjectNode) authority.get("filesystem")
                : authority.putObject("filesystem");
    }

    static ObjectNode limits(ObjectNode document) {
        ObjectNode run = (ObjectNode) document.get("spec").get("run");
        return run.has("limits") ? (ObjectNode) run.get("limits") : run.putObject("limits");
    }

    Run run(ObjectNode document) throws IOException, InterruptedException {
        return start(document).await();
    }

    /** Starts the runner without waiting, for tests that look at the cell while it runs. */
    Started start(ObjectNode document) throws IOException {
        return start(document, List.of(), scratch);
    }

    /**
     * Runs it under {@code wrapper}, which then runs the launcher's command line, with the trail in
     * {@code trailDir} (e.g. a file system the wrapper mounts there).
     */
    Run runUnder(List<String> wrapper, Path trailDir, ObjectNode document) throws IOException, InterruptedException {
        return start(document, wrapper, trailDir).await();
    }

    private Started start(ObjectNode document, List<String> wrapper, Path trailDir) throws IOException {
        String name = document.get("spec").get("id").asText();
        Path spec = scratch.resolve(name + ".json");
        Files.writeString(spec, JSON.writeValueAsString(document));
        Path events = trailDir.resolve(name + ".events.jsonl");
        Path out = scratch.resolve(name + ".stdout");
        Path err = scratch.resolve(name + ".stderr");
        List<String> command = new java.util.ArrayList<>(wrapper);
        command.addAll(List.of(launcher().toString(), "run", "--events", "jsonl:" + events, spec.toString()));
        Process process = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        return new Started(process, events, out, err);
    }

    static Path launcher() {
        return CliFixtures.launcher();
    }

    @Override
    public void close() throws IOException {
        CliFixtures.deleteTree(scratch);
    }

    record Started(Process process, Path eventsFile, Path stdoutFile, Path stderrFile) {
        Run await() throws IOException, InterruptedException {
            if (!process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("cell-runner did not end within " + RUN_LIMIT_SECONDS + " s");
            }
            return new Run(process.exitValue(), Files.readString(stdoutFile), Files.readString(stderrFile),
                    events(eventsFile));
        }

        /** Waits for the event of {@code type} (suffix) to be written while the cell runs. */
        JsonNode awaitEvent(String type) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (JsonNode event : events(eventsFile)) {
                    if (event.path("type").asText().endsWith(type)) {
                        return event.get("data");
                    }
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no " + type + " event; stderr: " + Files.readString(stderrFile));
        }
    }

    static List<JsonNode> events(Path file) throws IOException {
        return CliFixtures.events(file);
    }

    record Run(int exitCode, String stdout, String stderr, List<JsonNode> events) {
        /** The {@code data} of the one event whose type ends with {@code type}. */
        JsonNode event(String type) {
            return CliFixtures.data(events, type, "\nstderr: " + stderr);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }
}
