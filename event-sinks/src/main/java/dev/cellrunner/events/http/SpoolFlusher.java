package dev.cellrunner.events.http;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resends what runs left in the spool for one receiver, oldest first, and deletes a file only once the
 * receiver accepted it. Run directories still held by a live runner are left alone; the spool is read
 * only through {@link SpoolReader}, so what is not a plain event file of the spool's owner is reported
 * and kept. {@code settings.grace()} bounds the whole flush, reading included.
 */
public final class SpoolFlusher {
    /** What a flush did. {@code problems} say why files were kept. */
    public record Report(int delivered, int kept, int busyRuns, List<String> problems) {
    }

    private final HttpSinkSettings settings;
    private final HttpDelivery delivery;

    public SpoolFlusher(HttpSinkSettings settings) {
        this.settings = settings;
        this.delivery = new HttpDelivery(settings);
    }

    /** Stops at the first delivery that fails for good, or when {@code settings.grace()} has passed. */
    public Report flush() throws IOException {
        SpoolWalk walk = new SpoolWalk(settings.grace());
        Optional<SpoolReader> reader = walk.open(settings.spoolDir());
        if (reader.isPresent()) {
            walk.walk(reader.get(), reader.get().runs(Spool.receiverDir(settings.spoolDir(), settings)),
                    (run, files) -> flushRun(walk, run, files));
        }
        return walk.report(settings.describe());
    }

    private void flushRun(SpoolWalk walk, SpoolReader.Run run, List<String> files) throws IOException {
        int perRequest = settings.mode() == HttpMode.BATCH ? settings.batchSize() : 1;
        int next = 0;
        while (next < files.size()) {
            if (walk.outOfTime()) {
                walk.kept(files.size() - next);
                return;
            }
            List<String> chunk = new ArrayList<>();
            List<OutgoingEvent> events = new ArrayList<>();
            for (; next < files.size() && chunk.size() < perRequest; next++) {
                try {
                    events.add(OutgoingEvent.fromSpool(run.read(files.get(next)), settings.payload()));
                    chunk.add(files.get(next));
                } catch (IOException e) {
                    walk.unreadable(run, files.get(next), e);
                }
            }
            if (chunk.isEmpty()) {
                continue;
            }
            HttpDelivery.Result result = send(events, walk.deadline());
            if (!result.delivered()) {
                walk.stop(result.reason());
                walk.kept(chunk.size() + files.size() - next);
                return;
            }
            for (String file : chunk) {
                run.delete(file);
                walk.delivered();
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
