package dev.cellrunner.runner.cli;

import dev.cellrunner.events.nats.NatsAddress;
import dev.cellrunner.events.nats.NatsConnections;
import dev.cellrunner.runner.cell.ExitCodes;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/** enqueue's JetStream side (the only place it loads the NATS client): publish each document, confirmed. */
final class WorkQueuePublisher {
    private WorkQueuePublisher() {
    }

    static int publish(String target, BrokerOptions brokers, List<String> sources, List<byte[]> documents,
                       PrintWriter out, PrintWriter err) throws IOException {
        NatsAddress address = NatsAddress.subject(target);
        Connection connection = NatsConnections.shared(address,
                BrokerTargets.natsAccess(Duration.ofMillis(HttpEventOptions.DEFAULT_TIMEOUT_MS), brokers));
        JetStream jetStream = connection.jetStream();
        for (int i = 0; i < documents.size(); i++) {
            PublishAck ack;
            try {
                ack = jetStream.publish(address.name(), documents.get(i));
            } catch (JetStreamApiException | IOException e) {
                err.println("cell-runner: enqueue: " + sources.get(i) + ": not taken by " + address.describe()
                        + " (is a stream bound to " + address.name() + "?): " + e.getMessage()
                        + (i > 0 ? "; the " + i + " before it were published" : ""));
                err.flush();
                return ExitCodes.UNAVAILABLE;
            }
            out.println(sources.get(i) + ": " + ack.getStream() + "#" + ack.getSeqno());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
