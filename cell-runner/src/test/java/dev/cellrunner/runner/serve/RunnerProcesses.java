package dev.cellrunner.runner.serve;

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
 * bin/cell-runner as a user runs it, for the resident-mode tests: documents and trails in a scratch
 * directory of its own. Every host-side name starts with {@code serve-it-}.
 */
final class RunnerProcesses implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long LIMIT_SECONDS = 120;

    final Path scratch;

    RunnerProcesses() throws IOException {
        scratch = Files.createTempDirectory("serve-it-");
    }

    /** A document for {@code argv} with a unique cell id, written to the scratch directory. */
    Path document(String... argv) throws IOException {
        return write(cell(argv));
    }

    static ObjectNode cell(String... argv) {
        ObjectNode document = JSON.createObjectNode();
        document.put("apiVersion", "cellos.io/v1");
        document.put("kind", "ExecutionCell");
        ObjectNode spec = document.putObject("spec");
        spec.put("id", "serve-it-" + UUID.randomUUID().toString().substring(0, 8));
        spec.putObject("lifetime").put("ttlSeconds", 60);
        ArrayNode args = spec.putObject("run").putArray("argv");
        for (String arg : argv) {
            args.add(arg);
        }
        return document;
    }

    Path write(ObjectNode document) throws IOException {
        Path file = scratch.resolve(document.get("spec").get("id").asText() + ".json");
        Files.writeString(file, JSON.writeValueAsString(document));
        return file;
    }

    /** Starts bin/cell-runner with {@code args}, output to files named {@code name}. */
    Started start(String name, List<String> prefix, String... args) throws IOException {
        return start(name, prefix, null, args);
    }

    /** The same, with standard input read from {@code stdin} (opened by this process) when not null. */
    Started start(String name, List<String> prefix, Path stdin, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(launcher().toString());
        command.addAll(List.of(args));
        Path out = scratch.resolve(name + ".stdout");
        Path err = scratch.resolve(name + ".stderr");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin != null) {
            builder.redirectInput(stdin.toFile());
        }
        Process process = builder.start();
        return new Started(process, out, err);
    }

    Result run(String name, String... args) throws IOException, InterruptedException {
        return start(name, List.of(), args).await();
    }

    static Path launcher() {
        return Path.of(System.getProperty("cellrunner.root", "..")).toAbsolutePath().normalize()
                .resolve("bin").resolve("cell-runner");
    }

    static List<JsonNode> events(Path file) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line));
                }
            }
        }
        return events;
    }

    /** The events of the run of cell {@code cellId} in {@code trail}. */
    static List<JsonNode> eventsOf(Path trail, String cellId) throws IOException {
        return events(trail).stream().filter(e -> e.path("data").path("cellId").asText().equals(cellId)).toList();
    }

    static JsonNode data(List<JsonNode> events, String typeSuffix) {
        return events.stream().filter(e -> e.path("type").asText().endsWith(typeSuffix)).map(e -> e.get("data"))
                .findFirst().orElseThrow(() -> new AssertionError("no " + typeSuffix + " event in " + events));
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> walk = Files.walk(scratch)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    record Started(Process process, Path stdoutFile, Path stderrFile) {
        Result await() throws IOException, InterruptedException {
            if (!process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("cell-runner did not end within " + LIMIT_SECONDS + " s; stderr: "
                        + Files.readString(stderrFile));
            }
            return new Result(process.exitValue(), Files.readString(stdoutFile), Files.readString(stderrFile));
        }

        String stderr() throws IOException {
            return Files.readString(stderrFile);
        }
    }

    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }
}
