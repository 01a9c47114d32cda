package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.events.ocsf.OcsfExport;
import dev.cellrunner.events.ocsf.OcsfMapper;
import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Writes the OCSF records of the runs in trails that verify; refuses and names every other run. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export trails already written as OCSF " + OcsfMapper.SCHEMA_VERSION + " records, one per line "
                + "(docs/ocsf.md). Only runs that verify are exported; every other run is refused and named on stderr.",
                "Exit 0 when every run was exported; 1 when some run was refused (altered, incomplete or unsigned) or a "
                        + "line is no event; " + ExportCommand.ORIGIN_NOT_PROVEN + " when every run was exported but "
                        + "no --key was given (intact, origin not proven); 64 bad command line; 74 a file cannot be "
                        + "read or written."})
final class ExportCommand implements Callable<Integer> {
    static final int REFUSED_SOME = 1;
    static final int ORIGIN_NOT_PROVEN = 3;

    @Option(names = "--format", paramLabel = "FORMAT", required = true, description = "Output format: ocsf.")
    String format;

    @Option(names = "--key", paramLabel = "PUB",
            description = "Trusted public key file (repeatable). Without it, each run is checked against the key its "
                    + "own started event publishes: intact, origin not proven.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--every-signature", description = "Check the signature of every event, not only of each run's "
            + "last one, as verify --every-signature does.")
    boolean everySignature;

    @Option(names = "--no-run-chain", description = "Do not check the order of runs in each file, as verify "
            + "--no-run-chain (for a copy of a trail whose runprev links name lines of another file).")
    boolean noRunChain;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the records here instead of standard output.")
    Path out;

    @Parameters(paramLabel = "TRAIL", arity = "1..*", description = "JSONL trail files (- for standard input).")
    List<String> trails;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        try {
            if (!"ocsf".equals(format)) {
                err.println("cell-runner: export: unknown --format '" + format + "': expected ocsf");
                return ExitCodes.USAGE;
            }
            List<Ed25519Key.PublicKey> trusted = TrustedKeys.read(keys, "export", err).orElse(null);
            if (trusted == null) {
                return ExitCodes.USAGE;
            }
            List<Path> temporary = new ArrayList<>();
            try {
                List<Path> files = new ArrayList<>();
                for (String trail : trails) {
                    files.add(trail.equals("-") ? stdinCopy(temporary) : Path.of(trail));
                }
                OcsfExport.Report report;
                OutputStream sink = null;
                try {
                    sink = out == null ? System.out : Files.newOutputStream(out);
                    OutputStream buffered = new BufferedOutputStream(sink, 1 << 16);
                    report = OcsfExport.export(files, trusted,
                            new TrailVerifier.Options(everySignature, !noRunChain), buffered);
                    buffered.flush();
                } catch (IOException e) {
                    err.println("cell-runner: export: " + e.getMessage());
                    return ExitCodes.SINK_FAILED;
                } finally {
                    if (out != null && sink != null) {
                        sink.close();
                    }
                }
                return summary(report, trusted.isEmpty(), err);
            } finally {
                for (Path file : temporary) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            err.println("cell-runner: export: " + e.getMessage());
            return ExitCodes.SINK_FAILED;
        } finally {
            err.flush();
        }
    }

    private static int summary(OcsfExport.Report report, boolean noKey, PrintWriter err) {
        for (RunVerdict refused : report.refused()) {
            err.println("cell-runner: export: refused " + refused.line());
        }
        for (RunVerdict exported : report.exported()) {
            if (exported.unsigned() != null) {
                err.println("cell-runner: export: note: run " + exported.runId() + ": " + exported.unsigned()
                        + " (left out of its records)");
            }
        }
        report.problems().forEach(problem -> err.println("cell-runner: export: BAD: " + problem));
        err.println("cell-runner: export: " + report.exported().size() + " run(s) exported as " + report.records()
                + " OCSF record(s); " + report.refused().size() + " refused"
                + (noKey && !report.exported().isEmpty() ? "; intact, origin not proven (no --key)" : ""));
        if (!report.refused().isEmpty() || !report.problems().isEmpty()) {
            return REFUSED_SOME;
        }
        return noKey ? ORIGIN_NOT_PROVEN : ExitCodes.OK;
    }

    /** Standard input is read twice (verify, then export), so it is kept in a private temporary file. */
    static Path stdinCopy(List<Path> temporary) throws IOException {
        Path copy = Files.createTempFile("cell-runner-export-", ".jsonl");
        temporary.add(copy);
        try (InputStream in = System.in) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }
}
