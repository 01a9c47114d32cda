package dev.cellrunner.runner.work;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;

import java.io.IOException;

/**
 * Where documents go that will never run: invalid, or refused on this kind of host. Each is published
 * (and confirmed by a stream the operator made for it) with the reason in its headers and the document
 * as it came; {@code Nats-Msg-Id} names the work item, so publishing it twice keeps one copy.
 */
public final class DeadLetters {
    public static final String REASON = "Cell-Runner-Reason";
    public static final String STATUS = "Cell-Runner-Status";
    public static final String STREAM = "Cell-Runner-Stream";
    public static final String SEQUENCE = "Cell-Runner-Sequence";
    public static final String SUBJECT = "Cell-Runner-Subject";
    /** Header values are one line; longer reasons are cut (the worker's log has them whole). */
    private static final int MAX_REASON = 2000;

    private final Connection connection;
    private final String subject;

    public DeadLetters(Connection connection, String subject) {
        this.connection = connection;
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }

    /** Publishes the dead letter; an IOException when no stream confirmed it (the document must then stay queued). */
    public void publish(Delivery delivery, int status, String reason) throws IOException {
        WorkItem item = delivery.item();
        Headers headers = new Headers()
                .put(REASON, oneLine(reason))
                .put(STATUS, Integer.toString(status))
                .put(STREAM, item.stream())
                .put(SEQUENCE, Long.toString(item.sequence()))
                .put(SUBJECT, item.subject());
        try {
            connection.jetStream().publish(subject, headers, delivery.document(),
                    PublishOptions.builder().messageId("dead-" + item.stream() + "-" + item.sequence()).build());
        } catch (JetStreamApiException e) {
            throw new IOException("the dead letter subject " + subject + " did not take it: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException("the dead letter subject " + subject + " did not take it (is a stream bound to it?): "
                    + e.getMessage(), e);
        }
    }

    static String oneLine(String text) {
        String line = text.strip().replaceAll("[\\r\\n\\t]+", " | ").replaceAll("\\p{Cntrl}", "?");
        return line.length() > MAX_REASON ? line.substring(0, MAX_REASON) + "..." : line;
    }
}
