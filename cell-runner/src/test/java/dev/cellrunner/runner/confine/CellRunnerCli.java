package dev.cellrunner.runner.confine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Drives {@code bin/cell-runner} as a user would: writes a document, runs it with a JSONL trail in a
 * scratch directory of its own, and hands back exit status, output and the events. Every host-side
 * name starts with {@code confine-it-} so parallel runs of other suites never collide with ours.
 */
final class CellRunnerCli implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long RUN_LIMIT_SECONDS = 120;

    private final Path scratch;

    CellRunnerCli() throws IOException {
        scratch = Files.createTempDirectory("confine-it-");
    }

    Path scratch() {
        return scratch;
    }

    /** A document for {@code argv} with a unique cell id; callers add authority and limits. */
    static ObjectNode cell(String... argv) {
        ObjectNode document = JSON.createObjectNode();
        document.put("apiVersion", "cellos.io/v1");
        document.put("kind", "ExecutionCell");
        ObjectNode spec = document.putObject("spec");
        spec.put("id", "confine-it-" + UUID.randomUUID().toString().substring(0, 8));
        spec.putObject("lifetime").put("ttlSeconds", 60);
        ArrayNode args = spec.putObject("run").putArray("argv");
        for (String arg : argv) {
            args.add(arg);
        }
        return document;
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
        String name = document.get("spec").get("id").asText();
        Path spec = scratch.resolve(name + ".json");
        Files.writeString(spec, JSON.writeValueAsString(document));
        Path events = scratch.resolve(name + ".events.jsonl");
        Path out = scratch.resolve(name + ".stdout");
        Path err = scratch.resolve(name + ".stderr");
        Process process = new ProcessBuilder(launcher().toString(), "run", "--events", "jsonl:" + events,
                spec.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        return new Started(process, events, out, err);
    }

    static Path launcher() {
        return Path.of(System.getProperty("cellrunner.root", "..")).toAbsolutePath().normalize()
                .resolve("bin").resolve("cell-runner");
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> walk = Files.walk(scratch)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
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
        List<JsonNode> events = new ArrayList<>();
        if (!Files.exists(file)) {
            return events;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    record Run(int exitCode, String stdout, String stderr, List<JsonNode> events) {
        /** The {@code data} of the one event whose type ends with {@code type}. */
        JsonNode event(String type) {
            return events.stream().filter(e -> e.path("type").asText().endsWith(type)).map(e -> e.get("data"))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + type + " event in " + events
                            + "\nstderr: " + stderr));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }
}
