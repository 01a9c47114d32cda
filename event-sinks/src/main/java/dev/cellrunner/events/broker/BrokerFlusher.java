package dev.cellrunner.events.broker;

import dev.cellrunner.events.http.HttpPayload;
import dev.cellrunner.events.http.OutgoingEvent;
import dev.cellrunner.events.http.Spool;
import dev.cellrunner.events.http.SpoolFlusher;
import dev.cellrunner.events.http.SpoolReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * first event the broker does not confirm, or when {@code grace} has passed. One flush per instance.
 */
public final class BrokerFlusher {
    private final BrokerSink.Publisher publisher;
    private final Path spoolDir;
    private final Duration grace;
    private final List<String> problems = new ArrayList<>();
    private int delivered;
    private int kept;
    private int busyRuns;
    private String stoppedBecause;

    public BrokerFlusher(BrokerSink.Publisher publisher, Path spoolDir, Duration grace) {
        this.publisher = publisher;
        this.spoolDir = spoolDir;
        this.grace = grace;
    }

    public SpoolFlusher.Report flush() throws IOException {
        Instant deadline = Instant.now().plus(grace);
        Optional<SpoolReader> reader = SpoolReader.open(spoolDir, problems::add);
        List<Path> runs = reader.isEmpty() ? List.of() : reader.get().runs(Spool.receiverDir(spoolDir, publisher.spoolKey()));
        if (runs.isEmpty()) {
            return new SpoolFlusher.Report(0, 0, 0, List.copyOf(problems));
        }
        try {
            publisher.open();
        } catch (IOException | RuntimeException e) {
            stop("cannot connect: " + BrokerSink.message(e));
        }
        try {
            for (Path runDir : runs) {
                Optional<SpoolReader.Run> run = reader.get().take(runDir);
                if (run.isEmpty()) {
                    busyRuns++;
                    kept += reader.get().count(runDir);
                    continue;
                }
                try (SpoolReader.Run taken = run.get()) {
                    List<String> files = taken.events();
                    kept += taken.skippedFiles();
                    if (stoppedBecause != null) {
                        kept += files.size();
                    } else {
                        flushRun(taken, files, deadline);
                    }
                }
            }
        } finally {
            publisher.close();
        }
        if (stoppedBecause != null) {
            problems.add(publisher.describe() + ": " + stoppedBecause);
        }
        return new SpoolFlusher.Report(delivered, kept, busyRuns, List.copyOf(problems));
    }

    private void flushRun(SpoolReader.Run run, List<String> files, Instant deadline) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            String file = files.get(i);
            if (!Instant.now().isBefore(deadline)) {
                stop("the grace time (" + grace.toMillis() + " ms) passed before everything was read and sent");
            }
            if (stoppedBecause != null) {
                kept += files.size() - i;
                return;
            }
            OutgoingEvent event;
            try {
                event = OutgoingEvent.fromSpool(run.read(file), HttpPayload.CLOUDEVENTS);
            } catch (IOException e) {
                problems.add(e.getMessage().startsWith(run.path().toString()) ? e.getMessage() + "; kept"
                        : run.path().resolve(file) + ": kept, unreadable: " + e.getMessage());
                kept++;
                stop("a run's event could not be read, so the rest of that run is kept in order");
                kept += files.size() - i - 1;
                return;
            } catch (RuntimeException e) {
                problems.add(run.path().resolve(file) + ": kept, not a CloudEvent: " + BrokerSink.message(e));
                kept += files.size() - i;
                stop("a run's event could not be read, so the rest of that run is kept in order");
                return;
            }
            try {
                publisher.publish(event.event(), event.structured())
                        .get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
                stop("event in " + run.path().resolve(file) + " not confirmed: "
                        + BrokerSink.message(e instanceof ExecutionException ? e.getCause() : e));
                kept += files.size() - i;
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            run.delete(file);
            delivered++;
        }
    }

    private void stop(String reason) {
        if (stoppedBecause == null) {
            stoppedBecause = reason;
        }
    }
}
