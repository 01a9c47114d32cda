package dev.cellrunner.events;

import io.cloudevents.CloudEvent;

import java.io.Closeable;

/** Somewhere events go. Sinks know nothing about cells; they take finished events in order. */
public interface EventSink extends Closeable {
    /**
     * Takes one event. {@code json} is that event in the CloudEvents JSON format ({@link EventJson}),
     * serialised once by the trail for all its sinks.
     */
    void append(CloudEvent event, byte[] json) throws SinkException;

    /** {@link #append(CloudEvent, byte[])}, serialising the event here. */
    default void append(CloudEvent event) throws SinkException {
        append(event, EventJson.serialize(event));
    }

    /** Makes everything appended so far durable (or delivered); called before a run reports its end. */
    void sync() throws SinkException;

    /** Human-readable name for messages, e.g. "jsonl:/var/log/cells.jsonl". */
    String describe();

    @Override
    void close() throws SinkException;
}
