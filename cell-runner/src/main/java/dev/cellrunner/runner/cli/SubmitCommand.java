package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.serve.SubmitClient;
import dev.cellrunner.spec.EgressMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** Sends one document to {@code cell-runner serve}; prints the cell's output and exits with its status. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Run a document on a resident runner (cell-runner serve) and exit with the cell's status.",
                "Also: 75 the server cannot be reached or is busy, 76 the connection broke off, 77 this user may "
                        + "not submit. Ending this process (or its connection) kills the cell."})
final class SubmitCommand implements Callable<Integer> {
    static final String SOCKET = "--socket";
    static final String EVENTS_OUT = "--events-out";
    static final String EGRESS_MODE = PolicyOptions.EGRESS_MODE;

    @Option(names = SOCKET, paramLabel = "PATH", required = true, description = "The server's socket.")
    Path socket;

    @Option(names = EVENTS_OUT, paramLabel = "FILE",
            description = "Also receive the cell's signed events and append them to FILE (JSONL).")
    Path eventsOut;

    @Option(names = EGRESS_MODE, paramLabel = "MODE", description = "enforce or audit for this cell, whatever its "
            + "document says; a server started with --deny-egress-audit refuses audit (exit 69).")
    String egressMode;

    @Parameters(paramLabel = "SPEC", description = "Path to the document, or - for standard input.")
    String source;

    /** Set by picocli; null when {@link FastArgs} parsed the command line. */
    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter err = RunnerLog.stderr(command);
        Consumer<String> log = RunnerLog.to(err, "cell-runner: ");
        byte[] document = CellLauncher.read(source, log);
        if (document == null) {
            return ExitCodes.USAGE;
        }
        EgressMode mode;
        try {
            mode = egressMode == null ? null : PolicyOptions.mode(egressMode);
        } catch (IllegalArgumentException e) {
            log.accept(e.getMessage());
            return ExitCodes.USAGE;
        }
        OutputStream events = null;
        try {
            if (eventsOut != null) {
                events = Files.newOutputStream(eventsOut, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                        StandardOpenOption.WRITE);
            }
        } catch (IOException e) {
            log.accept("cannot open " + eventsOut + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try (OutputStream eventsFile = events) {
            return SubmitClient.submit(socket, document, new FileOutputStream(FileDescriptor.out),
                    new FileOutputStream(FileDescriptor.err), eventsFile, mode, log);
        } catch (IOException e) {
            log.accept("cannot write " + eventsOut + ": " + e.getMessage());
            return ExitCodes.SINK_FAILED;
        }
    }
}
