package dev.cellrunner.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.jackson.JsonFormat;

/** The CloudEvents JSON event format, shared by every sink that writes structured events. */
public final class EventJson {
    /** The largest event (one JSONL line without its newline) any sink accepts. */
    public static final int MAX_EVENT_BYTES = 1 << 20;

    private static final EventFormat FORMAT = new JsonFormat();

    private EventJson() {
    }

    public static byte[] serialize(CloudEvent event) {
        return FORMAT.serialize(event);
    }

    public static CloudEvent deserialize(byte[] bytes) {
        return FORMAT.deserialize(bytes);
    }
}
