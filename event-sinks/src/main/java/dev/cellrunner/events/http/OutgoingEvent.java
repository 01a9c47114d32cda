package dev.cellrunner.events.http;

import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.Jcs;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;

import java.io.IOException;

/**
 * An event on its way to a receiver: its structured JSON (the bytes that were signed, sent as they are)
 * and, for binary mode, the event itself (parsed from the JSON only when binary mode needs it).
 */
final class OutgoingEvent {
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

    /** From a spool file; a file that is not a JSON object (e.g. cut short) is refused, and kept. */
    static OutgoingEvent fromSpool(byte[] structured) throws IOException {
        if (!Jcs.parse(structured).isObject()) {
            throw new IOException("not a JSON object");
        }
        return new OutgoingEvent(structured, null);
    }

    byte[] structured() {
        return structured;
    }

    /**
     * The event. The SDK re-serialises JSON data when it reads it, so the data is put back into its
     * canonical (signed) bytes.
     */
    CloudEvent event() {
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
