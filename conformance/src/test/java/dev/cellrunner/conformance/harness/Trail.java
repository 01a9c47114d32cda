package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The events of a JSONL file, in file order. Every line must be one complete JSON object. */
public record Trail(Path file, List<CellEvent> events) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the file; a missing file is an empty trail, a line that is not JSON fails the case. */
    public static Trail read(Path file) {
        if (!Files.exists(file)) {
            return new Trail(file, List.of());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the trail " + file, e);
        }
        List<CellEvent> events = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            events.add(new CellEvent(i + 1, parseLine(file, i + 1, lines.get(i))));
        }
        return new Trail(file, List.copyOf(events));
    }

    private static JsonNode parseLine(Path file, int line, String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new AssertionError(file + " line " + line + " is not a JSON object: " + text);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new AssertionError(file + " line " + line + " is not JSON (" + e.getOriginalMessage() + "): " + text);
        }
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    public List<String> types() {
        return events.stream().map(CellEvent::type).toList();
    }

    /** The short names (schema names) of the events, e.g. [started, network_policy, ...]. */
    public List<String> shortTypes() {
        return events.stream().map(e -> EventType.of(e.type()).map(EventType::schemaName).orElse(e.type())).toList();
    }

    /** The one event of that type; fails the case when there is none or more than one. */
    public CellEvent only(EventType type) {
        List<CellEvent> matching = events.stream().filter(e -> e.is(type)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected exactly one " + type.schemaName() + " event, found "
                    + matching.size() + " in " + shortTypes());
        }
        return matching.get(0);
    }

    public JsonNode data(EventType type) {
        return only(type).data();
    }

    /** The events grouped by data.runId, each run in file order. */
    public Map<String, List<CellEvent>> runs() {
        Map<String, List<CellEvent>> runs = new LinkedHashMap<>();
        events.forEach(e -> runs.computeIfAbsent(e.runId(), id -> new ArrayList<>()).add(e));
        return runs;
    }
}
