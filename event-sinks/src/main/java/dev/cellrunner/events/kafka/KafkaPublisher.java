package dev.cellrunner.events.kafka;

import dev.cellrunner.events.ExtensionNames;
import dev.cellrunner.events.broker.BrokerSink;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.KafkaMessageFactory;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Sends events to one topic with the CloudEvents Kafka binding: the record key is the cell id, so every
 * event of a run goes to one partition and stays in order; an event counts once all in-sync replicas have
 * it (acks=all, idempotent producer: a retry never duplicates). Structured mode sends the JSON as it was
 * signed; binary mode sends {@code ce_} headers and the data.
 */
public final class KafkaPublisher implements BrokerSink.Publisher {
    private static final JsonFormat JSON = new JsonFormat();

    private final KafkaAddress address;
    private final KafkaAccess access;
    private final boolean binary;
    private Producer<String, byte[]> producer;

    public KafkaPublisher(KafkaAddress address, KafkaAccess access, boolean binary) {
        this.address = address;
        this.access = access;
        this.binary = binary;
    }

    @Override
    public void open() throws IOException {
        producer = KafkaProducers.shared(address, access);
    }

    @Override
    public CompletableFuture<?> publish(CloudEvent event, byte[] json) {
        Object cellId = event.getExtension(ExtensionNames.CELL_ID);
        var writer = KafkaMessageFactory.createWriter(address.topic(), cellId == null ? null : cellId.toString());
        ProducerRecord<String, byte[]> record = binary ? writer.writeBinary(event) : writer.setEvent(JSON, json);
        CompletableFuture<Object> confirmed = new CompletableFuture<>();
        producer.send(record, (metadata, failure) -> {
            if (failure == null) {
                confirmed.complete(metadata);
            } else {
                confirmed.completeExceptionally(failure);
            }
        });
        return confirmed;
    }

    /** The idempotent producer keeps a partition in order across retries. */
    @Override
    public int maxInFlight() {
        return 32;
    }

    @Override
    public String describe() {
        return address.describe();
    }

    @Override
    public void close() {
        if (producer != null) {
            KafkaProducers.release(producer);
            producer = null;
        }
    }
}
