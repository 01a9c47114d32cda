package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.ocsf.OcsfExport;
import dev.cellrunner.events.ocsf.OcsfMapper;
import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Option(names = "--out", paramLabel = "FILE", description = "Write the records here instead of standard output.")
    Path out;

    @Mixin
    VerifiedTrailOptions trails = new VerifiedTrailOptions();

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
            return trails.use("export", err, (files, trusted) -> export(files, trusted, err));
        } finally {
            err.flush();
        }
    }

    private int export(List<Path> files, List<Ed25519Key.PublicKey> trusted, PrintWriter err) throws IOException {
        OcsfExport.Report report;
        OutputStream sink = null;
        try {
            sink = out == null ? System.out : Files.newOutputStream(out);
            OutputStream buffered = new BufferedOutputStream(sink, 1 << 16);
            report = OcsfExport.export(files, trusted, trails.verifierOptions(), buffered);
            buffered.flush();
        } catch (IOException e) {
            err.println("cell-runner: export: " + e.getMessage());
            return ExitCodes.SINK_FAILED;
        } finally {
            if (out != null && sink != null) {
                sink.close();
            }
        }
        return summary(report, trusted, err);
    }

    private static int summary(OcsfExport.Report report, List<Ed25519Key.PublicKey> trusted, PrintWriter err) {
        VerifiedTrailOptions.reportRuns("export", report.refused(), report.exported(), report.problems(),
                " (left out of its records)", err);
        err.println("cell-runner: export: " + report.exported().size() + " run(s) exported as " + report.records()
                + " OCSF record(s); " + report.refused().size() + " refused"
                + (trusted.isEmpty() && !report.exported().isEmpty() ? "; intact, origin not proven (no --key)" : ""));
        return VerifiedTrailOptions.status(!report.refused().isEmpty() || !report.problems().isEmpty(), trusted);
    }
}
