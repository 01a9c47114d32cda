package dev.cellrunner.events.broker;

import dev.cellrunner.events.http.HttpPayload;
import dev.cellrunner.events.http.OutgoingEvent;
import dev.cellrunner.events.http.Spool;
import dev.cellrunner.events.http.SpoolFlusher;
import dev.cellrunner.events.http.SpoolReader;
import dev.cellrunner.events.http.SpoolWalk;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resends what runs left in the spool for one broker subject or topic, oldest run first and each run's
 * events in order, one at a time, and deletes a file only once the broker confirmed it (a JetStream
 * stream drops an event it already holds, by its Nats-Msg-Id). The spool is read only through
 * {@link SpoolReader}: links are not followed and only the owner's plain files are sent. Stops at the
 * first event the broker does not confirm, or when {@code grace} has passed.
 */
public final class BrokerFlusher {
    private final BrokerSink.Publisher publisher;
    private final Path spoolDir;
    private final Duration grace;

    public BrokerFlusher(BrokerSink.Publisher publisher, Path spoolDir, Duration grace) {
        this.publisher = publisher;
        this.spoolDir = spoolDir;
        this.grace = grace;
    }

    public SpoolFlusher.Report flush() throws IOException {
        SpoolWalk walk = new SpoolWalk(grace);
        Optional<SpoolReader> reader = walk.open(spoolDir);
        List<Path> runs = reader.isEmpty() ? List.of() : reader.get().runs(Spool.receiverDir(spoolDir, publisher.spoolKey()));
        if (runs.isEmpty()) {
            return walk.report(publisher.describe());
        }
        try {
            publisher.open();
        } catch (IOException | RuntimeException e) {
            walk.stop("cannot connect: " + BrokerSink.message(e));
        }
        try {
            walk.walk(reader.get(), runs, (run, files) -> flushRun(walk, run, files));
        } finally {
            publisher.close();
        }
        return walk.report(publisher.describe());
    }

    private void flushRun(SpoolWalk walk, SpoolReader.Run run, List<String> files) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            String file = files.get(i);
            if (walk.outOfTime()) {
                walk.kept(files.size() - i);
                return;
            }
            OutgoingEvent event;
            try {
                event = OutgoingEvent.fromSpool(run.read(file), HttpPayload.CLOUDEVENTS);
            } catch (IOException e) {
                walk.unreadable(run, file, e);
                walk.stop("a run's event could not be read, so the rest of that run is kept in order");
                walk.kept(files.size() - i - 1);
                return;
            } catch (RuntimeException e) {
                walk.problem(run.path().resolve(file) + ": kept, not a CloudEvent: " + BrokerSink.message(e));
                walk.kept(files.size() - i);
                walk.stop("a run's event could not be read, so the rest of that run is kept in order");
                return;
            }
            try {
                publisher.publish(event.event(), event.structured())
                        .get(Math.max(1, Duration.between(Instant.now(), walk.deadline()).toMillis()), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
                walk.stop("event in " + run.path().resolve(file) + " not confirmed: "
                        + BrokerSink.message(e instanceof ExecutionException ? e.getCause() : e));
                walk.kept(files.size() - i);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            run.delete(file);
            walk.delivered();
        }
    }
}
