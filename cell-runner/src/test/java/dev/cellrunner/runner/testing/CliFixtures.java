package dev.cellrunner.runner.testing;

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
import java.util.stream.Stream;

/** What the suites that drive {@code bin/cell-runner} as a user share: documents, the launcher, trails, scratch. */
public final class CliFixtures {
    public static final ObjectMapper JSON = new ObjectMapper();

    private CliFixtures() {
    }

    /** A document for {@code argv} whose cell id starts with {@code idPrefix} and is unique. */
    public static ObjectNode cell(String idPrefix, String... argv) {
        ObjectNode document = JSON.createObjectNode();
        document.put("apiVersion", "cellos.io/v1");
        document.put("kind", "ExecutionCell");
        ObjectNode spec = document.putObject("spec");
        spec.put("id", idPrefix + UUID.randomUUID().toString().substring(0, 8));
        spec.putObject("lifetime").put("ttlSeconds", 60);
        ArrayNode args = spec.putObject("run").putArray("argv");
        for (String arg : argv) {
            args.add(arg);
        }
        return document;
    }

    /** The project's bin/cell-runner (the build passes the project root as {@code cellrunner.root}). */
    public static Path launcher() {
        return Path.of(System.getProperty("cellrunner.root", "..")).toAbsolutePath().normalize()
                .resolve("bin").resolve("cell-runner");
    }

    /** Every event in a JSONL trail; none when the file does not exist. */
    public static List<JsonNode> events(Path file) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            // complete lines only: a reader polling a trail that is being written may catch the last one half-way
            for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line));
                }
            }
        }
        return events;
    }

    /** The {@code data} of the first event whose type ends with {@code typeSuffix}. */
    public static JsonNode data(List<JsonNode> events, String typeSuffix, String context) {
        return events.stream().filter(e -> e.path("type").asText().endsWith(typeSuffix)).map(e -> e.get("data"))
                .findFirst().orElseThrow(() -> new AssertionError("no " + typeSuffix + " event in " + events + context));
    }

    /** Removes a scratch directory and everything below it. */
    public static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
