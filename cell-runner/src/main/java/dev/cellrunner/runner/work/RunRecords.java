package dev.cellrunner.runner.work;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.EventCheck;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.ExtensionNames;
import dev.cellrunner.events.TrailEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Whether a work item's run already reached {@code destroyed}, answered from the workers' own event
 * stream (or topic): the trail is the record. Every event of a worker's run carries
 * {@code data.workItem} (stream and sequence), so the item's {@code destroyed} event is in the trail
 * exactly when its run ended, whichever host ran it; there is no second store that could disagree with
 * it. Only events stored since the item was enqueued are read (no run of it can be older), and with a
 * trusted key only a {@code destroyed} event signed by it counts.
 */
public final class RunRecords {
    /** Reads the trail's lines stored at or after a time. */
    public interface Trail {
        void read(Instant since, LineSink lines) throws IOException;

        String describe();
    }

    public interface LineSink {
        void accept(byte[] line) throws IOException;
    }

    /** Clocks of the work queue's and the events' servers may differ by this much. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    private static final byte[] DESTROYED = EventTypes.DESTROYED.getBytes(StandardCharsets.UTF_8);

    private final Trail trail;
    private final List<Ed25519Key.PublicKey> trusted;

    public RunRecords(Trail trail, List<Ed25519Key.PublicKey> trusted) {
        this.trail = trail;
        this.trusted = List.copyOf(trusted);
    }

    public String describe() {
        return trail.describe();
    }

    /** A run of the item that reached {@code destroyed}: its ID, and the outcome and reason it gave. */
    public record Ended(String runId, String outcome, String reason) {
    }

    /** The item's run that reached {@code destroyed}, if one did. */
    public Optional<Ended> destroyedRun(WorkItem item) throws IOException {
        byte[] stream = quoted(item.stream()).getBytes(StandardCharsets.UTF_8);
        Ended[] found = {null};
        trail.read(item.enqueued().minus(CLOCK_SKEW), line -> {
            // only destroyed events that name the stream are parsed
            if (found[0] == null && contains(line, DESTROYED) && contains(line, stream)) {
                found[0] = runOf(line, item);
            }
        });
        return Optional.ofNullable(found[0]);
    }

    /** The run when the line is a destroyed event of the item (signed by a trusted key, if any), else null. */
    private Ended runOf(byte[] line, WorkItem item) {
        try {
            TrailEvent event = TrailEvent.parse(line, trail.describe());
            JsonNode work = event.data() == null ? null : event.data().path("workItem");
            if (!EventTypes.DESTROYED.equals(event.content().type()) || work == null
                    || !item.stream().equals(work.path("stream").asText(null))
                    || work.path("sequence").asLong(-1) != item.sequence()) {
                return null;
            }
            if (!trusted.isEmpty()) {
                EventCheck.verify(event, trusted);
            }
            return new Ended(event.extension(ExtensionNames.RUN_ID), event.data().path("outcome").asText(""),
                    event.data().path("reason").asText(null));
        } catch (IOException | EventCheck.Failure | RuntimeException notOurs) {
            return null;
        }
    }

    private static String quoted(String text) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(text).toString();
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
