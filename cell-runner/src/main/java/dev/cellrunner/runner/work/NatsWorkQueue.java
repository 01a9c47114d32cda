package dev.cellrunner.runner.work;

import dev.cellrunner.events.nats.NatsAccess;
import dev.cellrunner.events.nats.NatsAddress;
import dev.cellrunner.events.nats.NatsConnections;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.NatsJetStreamMetaData;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A JetStream stream of ExecutionCell documents, taken through one durable pull consumer with explicit
 * acks that every worker shares (the stream, not the workers, spreads the work). The stream is the
 * operator's: it is never created or changed here. The consumer is created when missing, with the ack
 * wait asked for; an existing one is used as it is.
 */
public final class NatsWorkQueue {
    /** The JetStream API's error code for "consumer not found". */
    private static final int CONSUMER_NOT_FOUND = 10014;
    /** The JetStream API's error code for "stream not found". */
    private static final int STREAM_NOT_FOUND = 10059;

    private final NatsAddress address;
    private final Connection connection;
    private final ConsumerContext consumer;
    private final Duration ackWait;
    private final String consumerName;

    private NatsWorkQueue(NatsAddress address, Connection connection, ConsumerContext consumer, String consumerName,
                          Duration ackWait) {
        this.address = address;
        this.connection = connection;
        this.consumer = consumer;
        this.consumerName = consumerName;
        this.ackWait = ackWait;
    }

    /** Joins the queue; an IOException says why it cannot be used (no server, no such stream). */
    public static NatsWorkQueue open(NatsAddress stream, NatsAccess access, String consumerName, Duration ackWait,
                                     Consumer<String> log) throws IOException {
        Connection connection = NatsConnections.shared(stream, access);
        try {
            JetStreamManagement management = connection.jetStreamManagement();
            StreamInfo info = management.getStreamInfo(stream.name());
            if (info.getConfiguration().getRetentionPolicy() != RetentionPolicy.WorkQueue) {
                log.accept("note: stream " + stream.name() + " keeps its messages (retention "
                        + info.getConfiguration().getRetentionPolicy() + ", not WorkQueue): acknowledged documents stay in it");
            }
            ConsumerInfo consumerInfo;
            try {
                consumerInfo = management.getConsumerInfo(stream.name(), consumerName);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
                    throw e;
                }
                consumerInfo = management.addOrUpdateConsumer(stream.name(), ConsumerConfiguration.builder()
                        .durable(consumerName).ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.All)
                        .ackWait(ackWait).build());
                log.accept("created the durable consumer " + consumerName + " on " + stream.name()
                        + " (explicit acks, ack wait " + ackWait.toMillis() + " ms)");
            }
            if (consumerInfo.getConsumerConfiguration().getAckPolicy() != AckPolicy.Explicit) {
                throw new IOException("consumer " + consumerName + " on " + stream.name() + " does not use explicit acks");
            }
            Duration wait = consumerInfo.getConsumerConfiguration().getAckWait();
            return new NatsWorkQueue(stream, connection, connection.getConsumerContext(stream.name(), consumerName),
                    consumerName, wait == null ? ackWait : wait);
        } catch (JetStreamApiException e) {
            throw new IOException(e.getApiErrorCode() == STREAM_NOT_FOUND
                    ? "no stream " + stream.name() + " on " + stream.server() + " (streams are the operator's: docs/scale.md)"
                    : stream.describe() + ": " + e.getMessage(), e);
        }
    }

    /** The consumer's ack wait: a document not acknowledged (or marked in progress) within it is redelivered. */
    public Duration ackWait() {
        return ackWait;
    }

    public Connection connection() {
        return connection;
    }

    /** Whether the work stream itself stores messages published to {@code subject}. */
    public boolean holds(String subject) throws IOException {
        try {
            return connection.jetStreamManagement().getStreamNames(subject).contains(address.name());
        } catch (JetStreamApiException e) {
            throw new IOException(address.describe() + ": " + e.getMessage(), e);
        }
    }

    /** The next document, or empty when none came within {@code wait} (at least a second). */
    public Optional<Delivery> next(Duration wait) throws IOException {
        try {
            Message message = consumer.next(wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait);
            return Optional.ofNullable(message).map(NatsDelivery::new);
        } catch (JetStreamApiException | JetStreamStatusCheckedException e) {
            throw new IOException(address.describe() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }


    private final class NatsDelivery implements Delivery {
        private final Message message;
        private final WorkItem item;

        NatsDelivery(Message message) {
            this.message = message;
            NatsJetStreamMetaData meta = message.metaData();
            this.item = new WorkItem(meta.getStream(), meta.streamSequence(), meta.deliveredCount(), consumerName,
                    message.getSubject(), meta.timestamp().toInstant());
        }

        @Override
        public WorkItem item() {
            return item;
        }

        @Override
        public byte[] document() {
            return message.getData() == null ? new byte[0] : message.getData();
        }

        @Override
        public void ack() throws IOException {
            try {
                message.ackSync(Duration.ofSeconds(10));
            } catch (TimeoutException e) {
                throw new IOException("the server did not confirm the ack of " + item.describe(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while acknowledging " + item.describe(), e);
            }
        }

        @Override
        public void terminate() {
            message.term();
        }

        @Override
        public void retryAfter(Duration delay) {
            message.nakWithDelay(delay);
        }

        @Override
        public void inProgress() {
            message.inProgress();
        }

    }
}
