package dev.cellrunner.events.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Resends what runs left in the spool for one receiver, oldest first, and deletes a file only once the
 * receiver accepted it. Run directories still held by a live runner are left alone. One flush per instance.
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
    private boolean receiverFailed;

    public SpoolFlusher(HttpSinkSettings settings) {
        this.settings = settings;
        this.delivery = new HttpDelivery(settings);
    }

    /** Stops at the first delivery that fails for good, or when {@code settings.grace()} has passed. */
    public Report flush() throws IOException {
        Instant deadline = Instant.now().plus(settings.grace());
        for (Path runDir : Spool.runDirs(Spool.receiverDir(settings.spoolDir(), settings))) {
            if (receiverFailed) {
                kept += Spool.eventFiles(runDir).size();
            } else if (!Spool.withLock(runDir, () -> flushRun(runDir, deadline))) {
                busyRuns++;
                kept += Spool.eventFiles(runDir).size();
            }
        }
        return new Report(delivered, kept, busyRuns, List.copyOf(problems));
    }

    private void flushRun(Path runDir, Instant deadline) throws IOException {
        List<Path> files = Spool.eventFiles(runDir);
        int perRequest = settings.mode() == HttpMode.BATCH ? settings.batchSize() : 1;
        int next = 0;
        while (next < files.size()) {
            List<Path> chunk = new ArrayList<>();
            List<OutgoingEvent> events = new ArrayList<>();
            for (; next < files.size() && chunk.size() < perRequest; next++) {
                try {
                    events.add(OutgoingEvent.fromSpool(Files.readAllBytes(files.get(next))));
                    chunk.add(files.get(next));
                } catch (IOException e) {
                    problems.add(files.get(next) + ": kept, unreadable: " + e.getMessage());
                    kept++;
                }
            }
            if (chunk.isEmpty()) {
                continue;
            }
            HttpDelivery.Result result = send(events, deadline);
            if (!result.delivered()) {
                problems.add(settings.describe() + ": " + result.reason());
                kept += chunk.size() + files.size() - next;
                receiverFailed = true;
                return;
            }
            for (Path file : chunk) {
                Files.deleteIfExists(file);
                delivered++;
            }
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
