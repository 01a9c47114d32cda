package dev.cellrunner.runner.work;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * One document taken from a work queue: where it sits in the stream (the stream's sequence number
 * names it for good, whoever takes it and however often), how often it was delivered, and when the
 * stream stored it (no run of it can have started before).
 */
public record WorkItem(String stream, long sequence, long delivery, String consumer, String subject, Instant enqueued) {
    /** What every event of the item's run carries as {@code data.workItem} (CONTRACT.md section 2). */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("stream", stream);
        json.put("sequence", sequence);
        json.put("delivery", delivery);
        json.put("consumer", consumer);
        return json;
    }

    /** How messages name the item: {@code CELLS#42}. */
    public String describe() {
        return stream + "#" + sequence;
    }
}
