package dev.cellrunner.events.http;

import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.Jcs;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cellrunner.events.ocsf.OcsfMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * An event on its way to a receiver: its structured JSON (the bytes that were signed, sent as they are)
 * and, for binary mode, the event itself (parsed from the JSON only when binary mode needs it).
 */
public final class OutgoingEvent {
    private final byte[] structured;
    private CloudEvent event;

    private OutgoingEvent(byte[] structured, CloudEvent event) {
        this.structured = structured;
        this.event = event;
    }

    /** @param structured {@code event} in the CloudEvents JSON format */
    static OutgoingEvent of(CloudEvent event, byte[] structured) {
        return new OutgoingEvent(structured, event);
    }

    /** The event's OCSF records as one JSON array, what an OCSF receiver is sent instead of the event. */
    static OutgoingEvent ocsf(CloudEvent event, byte[] structured) {
        ArrayNode records = JsonNodeFactory.instance.arrayNode();
        try {
            OcsfMapper.map(Jcs.parse(structured)).forEach(records::add);
        } catch (IOException e) {
            throw new IllegalArgumentException("the event is not JSON: " + e.getMessage(), e);
        }
        return new OutgoingEvent(records.toString().getBytes(StandardCharsets.UTF_8), event);
    }

    /**
     * From a spool file: a CloudEvent (a JSON object), or the OCSF records of one (a JSON array). A file that
     * is neither (e.g. cut short) is refused, and kept.
     */
    public static OutgoingEvent fromSpool(byte[] structured, HttpPayload payload) throws IOException {
        JsonNode parsed = Jcs.parse(structured);
        if (payload == HttpPayload.OCSF ? !parsed.isArray() : !parsed.isObject()) {
            throw new IOException(payload == HttpPayload.OCSF ? "not a JSON array of OCSF records" : "not a JSON object");
        }
        return new OutgoingEvent(structured, null);
    }

    /** The CloudEvent's structured JSON, or for an OCSF receiver the JSON array of its records. */
    public byte[] structured() {
        return structured;
    }

    /**
     * The event. The SDK re-serialises JSON data when it reads it, so the data is put back into its
     * canonical (signed) bytes.
     */
    public CloudEvent event() {
        if (event == null) {
            CloudEvent parsed = EventJson.deserialize(structured);
            event = parsed.getData() == null ? parsed
                    : CloudEventBuilder.v1(parsed).withData(canonical(parsed.getData().toBytes())).build();
        }
        return event;
    }

    private static byte[] canonical(byte[] json) {
        try {
            return Jcs.canonicalize(json);
        } catch (IOException e) {
            throw new IllegalStateException("spooled event data is not JSON", e);
        }
    }
}
