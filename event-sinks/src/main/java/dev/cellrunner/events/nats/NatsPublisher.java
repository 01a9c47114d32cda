package dev.cellrunner.events.nats;

import dev.cellrunner.events.broker.BrokerSink;
import io.cloudevents.CloudEvent;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes events to one JetStream subject: each confirmed by its PubAck; {@code Nats-Msg-Id} is the
 * event id, so the stream drops a resent duplicate (within its duplicate window). Structured mode
 * sends the event's JSON as it was signed; binary mode sends {@code ce-} headers and the data.
 */
public final class NatsPublisher implements BrokerSink.Publisher {
    private final NatsAddress address;
    private final NatsAccess access;
    private final boolean binary;
    private Connection connection;
    private JetStream jetStream;

    public NatsPublisher(NatsAddress address, NatsAccess access, boolean binary) {
        this.address = address;
        this.access = access;
        this.binary = binary;
    }

    @Override
    public void open() throws IOException {
        connection = NatsConnections.shared(address, access);
        jetStream = connection.jetStream(JetStreamOptions.builder().requestTimeout(access.requestTimeout()).build());
    }

    @Override
    public CompletableFuture<?> publish(CloudEvent event, byte[] json) {
        PublishOptions options = PublishOptions.builder().messageId(event.getId()).build();
        Headers headers = binary ? NatsEventHeaders.binary(event) : NatsEventHeaders.structured();
        byte[] payload = binary ? (event.getData() == null ? new byte[0] : event.getData().toBytes()) : json;
        return jetStream.publishAsync(address.name(), headers, payload, options);
    }

    /** A failed publish can be overtaken by a later one (a stream limit, a reconnect): one at a time keeps a run in order. */
    @Override
    public int maxInFlight() {
        return 1;
    }

    @Override
    public String describe() {
        return address.describe();
    }

    /** The connection stays open for the process's other users (see {@link NatsConnections}). */
    @Override
    public void close() {
        connection = null;
        jetStream = null;
    }
}
