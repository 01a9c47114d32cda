package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.databind.JsonNode;

/** One line of a JSONL trail: the whole CloudEvent as written, and its line number in the file. */
public record CellEvent(int line, JsonNode json) {
    public String type() {
        return json.path("type").asText();
    }

    public EventType eventType() {
        return EventType.of(type()).orElseThrow(() -> new AssertionError(
                "line " + line + ": type '" + type() + "' is not one of the contract's event types"));
    }

    public boolean is(EventType type) {
        return type.type().equals(type());
    }

    public JsonNode data() {
        return json.path("data");
    }

    public String runId() {
        return data().path("runId").asText();
    }

    @Override
    public String toString() {
        return "line " + line + ": " + json;
    }
}
