package dev.cellrunner.events.http;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resends what runs left in the spool for one receiver, oldest first, and deletes a file only once the
 * receiver accepted it. Run directories still held by a live runner are left alone; the spool is read
 * only through {@link SpoolReader}, so what is not a plain event file of the spool's owner is reported
 * and kept. {@code settings.grace()} bounds the whole flush, reading included. One flush per instance.
 */
public final class SpoolFlusher {
    /** What a flush did. {@code problems} say why files were kept. */
    public record Report(int delivered, int kept, int busyRuns, List<String> problems) {
    }

    private final HttpSinkSettings settings;
    private final HttpDelivery delivery;
    private final List<String> problems = new ArrayList<>();
    private int delivered;
    private int kept;
    private int busyRuns;
    private String stoppedBecause;

    public SpoolFlusher(HttpSinkSettings settings) {
        this.settings = settings;
        this.delivery = new HttpDelivery(settings);
    }

    /** Stops at the first delivery that fails for good, or when {@code settings.grace()} has passed. */
    public Report flush() throws IOException {
        Optional<SpoolReader> reader = SpoolReader.open(settings.spoolDir(), problems::add);
        Instant deadline = Instant.now().plus(settings.grace());
        if (reader.isEmpty()) {
            return new Report(0, 0, 0, List.copyOf(problems));
        }
        for (Path runDir : reader.get().runs(Spool.receiverDir(settings.spoolDir(), settings))) {
            if (stoppedBecause == null && !Instant.now().isBefore(deadline)) {
                stop("the grace time (" + settings.grace().toMillis() + " ms) passed before everything was read and sent");
            }
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
        if (stoppedBecause != null) {
            problems.add(settings.describe() + ": " + stoppedBecause);
        }
        return new Report(delivered, kept, busyRuns, List.copyOf(problems));
    }

    private void flushRun(SpoolReader.Run run, List<String> files, Instant deadline) throws IOException {
        int perRequest = settings.mode() == HttpMode.BATCH ? settings.batchSize() : 1;
        int next = 0;
        while (next < files.size()) {
            if (!Instant.now().isBefore(deadline)) {
                stop("the grace time (" + settings.grace().toMillis() + " ms) passed before everything was read and sent");
                kept += files.size() - next;
                return;
            }
            List<String> chunk = new ArrayList<>();
            List<OutgoingEvent> events = new ArrayList<>();
            for (; next < files.size() && chunk.size() < perRequest; next++) {
                try {
                    events.add(OutgoingEvent.fromSpool(run.read(files.get(next)), settings.payload()));
                    chunk.add(files.get(next));
                } catch (IOException e) {
                    problems.add(e.getMessage().startsWith(run.path().toString()) ? e.getMessage() + "; kept"
                            : run.path().resolve(files.get(next)) + ": kept, unreadable: " + e.getMessage());
                    kept++;
                }
            }
            if (chunk.isEmpty()) {
                continue;
            }
            HttpDelivery.Result result = send(events, deadline);
            if (!result.delivered()) {
                stop(result.reason());
                kept += chunk.size() + files.size() - next;
                return;
            }
            for (String file : chunk) {
                run.delete(file);
                delivered++;
            }
        }
    }

    private void stop(String reason) {
        if (stoppedBecause == null) {
            stoppedBecause = reason;
        }
    }

    private HttpDelivery.Result send(List<OutgoingEvent> events, Instant deadline) throws IOException {
        try {
            return delivery.deliver(events, () -> deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
