package dev.cellrunner.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads trails already written for what their intact runs say, and for nothing else: a first pass
 * verifies every run ({@link TrailVerifier}: signatures, chain, completeness), a second hands over the
 * events of the runs found intact, in file order. A run that is altered, incomplete or unsigned is
 * refused and named, and none of its events is handed over. Memory: one verifier and the set of
 * intact run ids.
 */
public final class VerifiedRuns {
    /** The runs read, those refused (with why), and lines that are no event of any run. */
    public record Report(List<RunVerdict> intact, List<RunVerdict> refused, List<String> problems) {
        public Report {
            intact = List.copyOf(intact);
            refused = List.copyOf(refused);
            problems = List.copyOf(problems);
        }
    }

    private VerifiedRuns() {
    }

    /**
     * @param trusted empty: each run is checked against the key its own started event publishes (intact,
     *                origin not proven)
     * @param events  each event of an intact run, parsed, in file order
     */
    public static Report read(List<Path> trails, List<Ed25519Key.PublicKey> trusted, Consumer<JsonNode> events)
            throws IOException {
        return read(trails, trusted, TrailVerifier.Options.DEFAULTS, events);
    }

    /** {@link #read(List, List, Consumer)}, the runs verified with {@code options}, as {@code verify} takes them. */
    public static Report read(List<Path> trails, List<Ed25519Key.PublicKey> trusted, TrailVerifier.Options options,
                              Consumer<JsonNode> events) throws IOException {
        TrailVerifier verifier = new TrailVerifier(trusted, options);
        for (Path trail : trails) {
            try (InputStream in = Files.newInputStream(trail)) {
                verifier.read(trail.toString(), in);
            }
        }
        List<RunVerdict> intact = new ArrayList<>();
        List<RunVerdict> refused = new ArrayList<>();
        Set<String> intactIds = new HashSet<>();
        for (RunVerdict verdict : verifier.verdicts()) {
            if (verdict.status() == RunVerdict.Status.OK) {
                intact.add(verdict);
                intactIds.add(verdict.runId());
            } else {
                refused.add(verdict);
            }
        }
        for (Path trail : trails) {
            try (InputStream in = Files.newInputStream(trail)) {
                TrailLines.read(in, line -> {
                    JsonNode event = event(line);
                    if (event != null && intactIds.contains(event.path(ExtensionNames.RUN_ID).asText(null))) {
                        events.accept(event);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        return new Report(intact, refused, verifier.problems());
    }

    /** The event on a line; after a torn fragment (another runner's partial line), the whole event that follows it. */
    private static JsonNode event(TrailLines.Line line) {
        if (line.overlong() || line.bytes().length == 0) {
            return null;
        }
        byte[] bytes = line.bytes();
        try {
            JsonNode node = Jcs.parse(bytes);
            return node.isObject() ? node : null;
        } catch (IOException | RuntimeException torn) {
            // a fragment before a whole event: the event is the object the line's last byte closes
        }
        int start = GluedLine.lastObjectStart(bytes);
        if (start > 0) {
            try {
                JsonNode node = Jcs.parse(java.util.Arrays.copyOfRange(bytes, start, bytes.length));
                return node.isObject() ? node : null;
            } catch (IOException | RuntimeException notAnEvent) {
                // nothing whole on this line
            }
        }
        return null;
    }
}
