package dev.cellrunner.events.http;

import dev.cellrunner.events.EventJson;
import dev.cellrunner.events.Jcs;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;

import java.io.IOException;

/**
 * An event on its way to a receiver: its structured JSON (the bytes that were signed, sent as they are)
 * and, for binary mode, the event itself.
 */
record OutgoingEvent(byte[] structured, CloudEvent event) {
    static OutgoingEvent of(CloudEvent event) {
        return new OutgoingEvent(EventJson.serialize(event), event);
    }

    /**
     * From a spool file. The SDK re-serialises JSON data when it reads it, so the data is put back into its
     * canonical (signed) bytes for binary mode.
     */
    static OutgoingEvent fromSpool(byte[] structured) throws IOException {
        CloudEvent parsed;
        try {
            parsed = EventJson.deserialize(structured);
        } catch (RuntimeException e) {
            throw new IOException("not a CloudEvent in structured JSON: " + e.getMessage(), e);
        }
        if (parsed.getData() != null) {
            parsed = CloudEventBuilder.v1(parsed).withData(Jcs.canonicalize(parsed.getData().toBytes())).build();
        }
        return new OutgoingEvent(structured, parsed);
    }
}
