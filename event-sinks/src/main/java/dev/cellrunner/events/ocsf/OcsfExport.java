package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.ExtensionNames;
import dev.cellrunner.events.GluedLine;
import dev.cellrunner.events.Jcs;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.TrailLines;
import dev.cellrunner.events.TrailVerifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns trails already written into OCSF records, for runs that verify only: a first pass verifies every
 * run (signatures, chain, completeness), a second maps the events of the runs found intact, in file order.
 * A run that is altered, incomplete or unsigned is refused and named, and none of its events is exported.
 */
public final class OcsfExport {

    /** What an export did: the runs exported and refused (with why), records written, lines that are no event. */
    public record Report(List<RunVerdict> exported, List<RunVerdict> refused, int records, List<String> problems) {
    }

    private OcsfExport() {
    }

    /** {@code trusted} empty: each run is checked against the key its own started event publishes. */
    public static Report export(List<Path> trails, List<Ed25519Key.PublicKey> trusted, OutputStream out) throws IOException {
        TrailVerifier verifier = new TrailVerifier(trusted);
        for (Path trail : trails) {
            try (InputStream in = Files.newInputStream(trail)) {
                verifier.read(trail.toString(), in);
            }
        }
        List<RunVerdict> exported = new ArrayList<>();
        List<RunVerdict> refused = new ArrayList<>();
        Set<String> intact = new HashSet<>();
        for (RunVerdict verdict : verifier.verdicts()) {
            if (verdict.status() == RunVerdict.Status.OK) {
                exported.add(verdict);
                intact.add(verdict.runId());
            } else {
                refused.add(verdict);
            }
        }
        int[] records = {0};
        for (Path trail : trails) {
            try (InputStream in = Files.newInputStream(trail)) {
                TrailLines.read(in, line -> {
                    JsonNode event = event(line);
                    if (event == null || !intact.contains(event.path(ExtensionNames.RUN_ID).asText(null))) {
                        return;
                    }
                    try {
                        for (ObjectNode record : OcsfMapper.map(event)) {
                            out.write(record.toString().getBytes(StandardCharsets.UTF_8));
                            out.write('\n');
                            records[0]++;
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        out.flush();
        return new Report(List.copyOf(exported), List.copyOf(refused), records[0], verifier.problems());
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
