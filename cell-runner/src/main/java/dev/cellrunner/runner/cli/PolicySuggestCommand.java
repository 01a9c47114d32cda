package dev.cellrunner.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.EventTypes;
import dev.cellrunner.events.VerifiedRuns;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.learn.DocumentMerge;
import dev.cellrunner.runner.learn.FilesystemSuggester;
import dev.cellrunner.runner.learn.ObservedTraffic;
import dev.cellrunner.runner.learn.PolicySuggester;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.SpecProblem;
import dev.cellrunner.spec.SpecReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Egress rules that cover what verified runs reached ({@link PolicySuggester}), printed as a JSON array,
 * or merged into a copy of a document. Runs that do not verify are refused and named; nothing of them
 * is used.
 */
@Command(name = "suggest", mixinStandardHelpOptions = true,
        description = {"Print the egressRules (a JSON array, sorted) that cover every flow recorded in the runs of "
                + "TRAIL that verify: names rather than addresses (the name asked whose DNS answer explains an "
                + "address), K or more subdomains of one registrable domain (Public Suffix List) as *.domain, exact "
                + "ports and protocols; addresses no answer explains stay literal and are named on stderr. Runs that "
                + "do not verify are refused and named, and nothing of them is used (docs/learn.md).",
                "Exit 0 when every run verified against --key; " + ExportCommand.ORIGIN_NOT_PROVEN + " when every "
                        + "run verified but no --key was given (intact, origin not proven); 1 when a run was refused or "
                        + "a line is no event (with --merge, nothing is written then); 64 bad command line; 65 the "
                        + "merged document is invalid (nothing written); 74 a file cannot be read or written."})
final class PolicySuggestCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--cell", paramLabel = "ID", description = "Only the runs of this cell id.")
    String cell;

    @Option(names = "--wildcard-after", paramLabel = "K", description = "Collapse K or more subdomains of one "
            + "registrable domain (same port and protocol) into *.domain (default: "
            + PolicySuggester.DEFAULT_WILDCARD_AFTER + ").")
    int wildcardAfter = PolicySuggester.DEFAULT_WILDCARD_AFTER;

    @Option(names = "--filesystem", description = "Print the authority.filesystem entries (a JSON object) that cover "
            + "the landlock denials the kernel's audit records told (completed.landlockDenials), instead of the rules.")
    boolean filesystem;

    @Option(names = "--merge", paramLabel = "DOC", description = "Merge the rules into a copy of this document "
            + "(its egressMode audit removed) and write it to --out; DOC itself is never changed.")
    Path merge;

    @Option(names = "--out", paramLabel = "NEW", description = "Where --merge writes the new document: a path that "
            + "does not exist yet.")
    Path out;

    @Mixin
    VerifiedTrailOptions trails = new VerifiedTrailOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        try {
            Integer usage = checkUsage(err);
            if (usage != null) {
                return usage;
            }
            return trails.use("policy suggest", err, (files, trusted) -> suggest(files, trusted, err));
        } catch (IOException e) {
            err.println("cell-runner: policy suggest: " + e.getMessage());
            return ExitCodes.SINK_FAILED;
        } finally {
            err.flush();
        }
    }

    private Integer checkUsage(PrintWriter err) throws IOException {
        if (wildcardAfter < 1) {
            err.println("cell-runner: policy suggest: --wildcard-after must be at least 1");
            return ExitCodes.USAGE;
        }
        if ((merge == null) != (out == null)) {
            err.println("cell-runner: policy suggest: --merge DOC and --out NEW go together");
            return ExitCodes.USAGE;
        }
        if (out != null && (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS) || out.equals(merge)
                || (Files.exists(merge) && Files.exists(out) && Files.isSameFile(merge, out)))) {
            err.println("cell-runner: policy suggest: --out " + out + " exists; the merged document is written to a "
                    + "new file, never over one");
            return ExitCodes.USAGE;
        }
        return null;
    }

    private int suggest(List<Path> files, List<Ed25519Key.PublicKey> trusted, PrintWriter err) throws IOException {
        ObservedTraffic[] traffic = {ObservedTraffic.NONE};
        VerifiedRuns.Report report = VerifiedRuns.read(files, trusted, trails.verifierOptions(), event -> {
            JsonNode data = event.path("data");
            if (cell != null && !cell.equals(data.path("cellId").asText())) {
                return;
            }
            if (event.path("type").asText().equals(EventTypes.NETWORK_ENFORCEMENT)) {
                traffic[0] = traffic[0].plus(ObservedTraffic.of(data.path("runId").asText(), data));
            } else if (event.path("type").asText().equals(EventTypes.COMMAND_COMPLETED)) {
                traffic[0] = traffic[0].plus(ObservedTraffic.ofCompleted(data));
            }
        });
        VerifiedTrailOptions.reportRuns("policy suggest", report.refused(), report.intact(), report.problems(), "",
                err);
        long used = report.intact().stream().filter(run -> cell == null || cell.equals(run.cellId())).count();
        PolicySuggester.Suggestion suggestion = PolicySuggester.suggest(traffic[0], wildcardAfter);
        FilesystemSuggester.Suggestion paths = FilesystemSuggester.suggest(traffic[0].landlock());
        suggestion.warnings().forEach(warning -> err.println("cell-runner: policy suggest: " + warning));
        suggestion.notes().forEach(note -> err.println("cell-runner: policy suggest: note: " + note));
        if (!paths.isEmpty() && !filesystem) {
            err.println("cell-runner: policy suggest: the kernel reported landlock denials: --filesystem prints the "
                    + "authority.filesystem entries that cover them (--merge adds them)");
        }
        boolean refusedSome = !report.refused().isEmpty() || !report.problems().isEmpty();
        err.println("cell-runner: policy suggest: " + suggestion.rules().size() + " rule(s) from " + used
                + " verified run(s)" + (cell == null ? "" : " of cell " + cell) + "; " + report.refused().size()
                + " refused" + (trusted.isEmpty() && used > 0 ? "; intact, origin not proven (no --key)" : ""));
        if (merge != null) {
            if (refusedSome) {
                err.println("cell-runner: policy suggest: nothing written to " + out + ": some runs were refused");
                return ExportCommand.REFUSED_SOME;
            }
            int written = writeMerged(suggestion.rules(), paths, err);
            if (written != ExitCodes.OK) {
                return written;
            }
        } else {
            System.out.print(filesystem ? paths.json() + "\n"
                    : PolicySuggester.json(suggestion.rules()));
            System.out.flush();
        }
        return VerifiedTrailOptions.status(refusedSome, trusted);
    }

    private int writeMerged(List<EgressRule> rules, FilesystemSuggester.Suggestion files, PrintWriter err)
            throws IOException {
        JsonNode original;
        try {
            original = JSON.readTree(Files.readAllBytes(merge));
        } catch (IOException e) {
            err.println("cell-runner: policy suggest: cannot read " + merge + ": " + e.getMessage());
            return e instanceof com.fasterxml.jackson.core.JsonProcessingException ? ExitCodes.INVALID_SPEC
                    : ExitCodes.SINK_FAILED;
        }
        if (!(original instanceof ObjectNode document)) {
            err.println("cell-runner: policy suggest: " + merge + " is not an ExecutionCell document");
            return ExitCodes.INVALID_SPEC;
        }
        DocumentMerge.Merged merged;
        try {
            merged = DocumentMerge.merge(document, rules, files);
        } catch (IllegalArgumentException e) {
            err.println("cell-runner: policy suggest: " + merge + ": " + e.getMessage());
            return ExitCodes.INVALID_SPEC;
        }
        byte[] bytes = (JSON.writeValueAsString(merged.document()) + "\n").getBytes(StandardCharsets.UTF_8);
        if (CellSpecReader.read(bytes) instanceof SpecReadResult.Invalid invalid) {
            for (SpecProblem problem : invalid.problems()) {
                err.println("cell-runner: policy suggest: the merged document would be invalid: " + problem);
            }
            return ExitCodes.INVALID_SPEC;
        }
        // CREATE_NEW: never over an existing file or a link planted there meanwhile
        Files.write(out, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        merged.changes().forEach(change -> err.println("cell-runner: policy suggest: " + out + ": " + change));
        return ExitCodes.OK;
    }
}
