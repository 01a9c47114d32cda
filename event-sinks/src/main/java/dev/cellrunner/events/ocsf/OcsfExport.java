package dev.cellrunner.events.ocsf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.events.VerifiedRuns;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns trails already written into OCSF records, for runs that verify only ({@link VerifiedRuns}): a run
 * that is altered, incomplete or unsigned is refused and named, and none of its events is exported.
 */
public final class OcsfExport {

    /** What an export did: the runs exported and refused (with why), records written, lines that are no event. */
    public record Report(List<RunVerdict> exported, List<RunVerdict> refused, int records, List<String> problems) {
    }

    private OcsfExport() {
    }

    /** {@code trusted} empty: each run is checked against the key its own started event publishes. */
    public static Report export(List<Path> trails, List<Ed25519Key.PublicKey> trusted, OutputStream out) throws IOException {
        return export(trails, trusted, TrailVerifier.Options.DEFAULTS, out);
    }

    /** The runs are verified exactly as {@code verify} does with the same {@code options}. */
    public static Report export(List<Path> trails, List<Ed25519Key.PublicKey> trusted, TrailVerifier.Options options,
                                OutputStream out) throws IOException {
        int[] records = {0};
        VerifiedRuns.Report read;
        try {
            read = VerifiedRuns.read(trails, trusted, options, event -> {
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
        out.flush();
        return new Report(read.intact(), read.refused(), records[0], read.problems());
    }
}
