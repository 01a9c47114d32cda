package dev.cellrunner.events.nats;

import dev.cellrunner.events.EventJson;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.OrderedConsumerContext;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamInfoOptions;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * Reads the events published on one subject back from the JetStream stream that holds them, oldest
 * first, up to the last one stored when reading began, each as the line a JSONL trail would hold for
 * it: a structured message's JSON as it is (line breaks, legal only between JSON tokens, made spaces),
 * a binary one turned back into the JSON format. What the messages are is for the verifier to judge.
 */
public final class NatsTrailReader {
    /** Takes one line (no newline). */
    public interface Lines {
        void accept(byte[] line) throws IOException;
    }

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** How long an empty tail may stay silent before reading from a start time counts as done. */
    private static final Duration QUIET = Duration.ofSeconds(1);

    private NatsTrailReader() {
    }

    /** Returns how many messages were read; fails when no stream holds the subject or the server stops answering. */
    public static long read(NatsAddress address, NatsAccess access, Lines lines) throws IOException {
        return read(address, access, null, lines);
    }

    /** The same from the first event the stream stored at or after {@code since} (null: from the first). */
    public static long read(NatsAddress address, NatsAccess access, Instant since, Lines lines) throws IOException {
        Connection connection = NatsConnections.shared(address, access);
        try {
            String stream = streamOf(connection.jetStreamManagement(), address);
            long stored = storedOnSubject(connection.jetStreamManagement().getStreamInfo(stream,
                    StreamInfoOptions.filterSubjects(address.name())), address.name());
            if (stored == 0 || since != null && connection.jetStreamManagement().getLastMessage(stream, address.name())
                    .getTime().toInstant().isBefore(since)) {
                return 0;
            }
            OrderedConsumerConfiguration config = new OrderedConsumerConfiguration().filterSubject(address.name());
            if (since != null) {
                config.deliverPolicy(DeliverPolicy.ByStartTime).startTime(since.atZone(ZoneOffset.UTC));
            }
            OrderedConsumerContext consumer = connection.getStreamContext(stream).createOrderedConsumer(config);
            long read = 0;
            try (IterableConsumer messages = consumer.iterate()) {
                while (true) {
                    Message message = messages.nextMessage(since == null ? WAIT : QUIET);
                    if (message == null && since != null) {
                        return read; // nothing stored since then
                    }
                    if (message == null) {
                        throw new IOException(address.describe() + ": the server stopped sending after " + read
                                + " of about " + stored + " messages");
                    }
                    lines.accept(line(message));
                    read++;
                    if (message.metaData().pendingCount() == 0) {
                        return read;
                    }
                }
            }
        } catch (JetStreamApiException | JetStreamStatusCheckedException e) {
            throw new IOException(address.describe() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(address.describe() + ": " + e.getMessage(), e);
        }
    }

    private static String streamOf(JetStreamManagement management, NatsAddress address)
            throws IOException, JetStreamApiException {
        List<String> streams = management.getStreamNames(address.name());
        if (streams.isEmpty()) {
            throw new IOException(address.describe() + ": no JetStream stream holds the subject " + address.name());
        }
        return streams.get(0);
    }

    private static long storedOnSubject(StreamInfo info, String subject) {
        Map<String, Long> counts = info.getStreamState().getSubjectMap();
        return counts == null ? 0 : counts.getOrDefault(subject, 0L);
    }

    static byte[] line(Message message) {
        byte[] json = message.getData().clone();
        if (!NatsEventHeaders.isStructured(message.getHeaders())) {
            try {
                json = EventJson.serialize(NatsEventHeaders.fromBinary(message.getHeaders(), message.getData()));
            } catch (RuntimeException notAnEvent) {
                // the payload as it is: the verifier reports it
            }
        }
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                json[i] = ' ';
            }
        }
        return json;
    }
}
