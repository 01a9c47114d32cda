package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.SpecReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Publishes documents to a work queue, all of them or none: each is validated here first. */
@Command(name = "enqueue", mixinStandardHelpOptions = true,
        description = {"Validate ExecutionCell documents here, then publish each to a JetStream subject that a "
                + "work-queue stream holds (for `cell-runner worker`), confirmed by the stream.",
                "Exit 0 when every document was published (one line each: its stream and sequence); 65 when any "
                        + "is invalid (nothing is published); 64 for a bad command line or an unreadable file; 75 "
                        + "when the stream cannot be reached or does not confirm (the lines printed say which got in)."})
final class EnqueueCommand implements Callable<Integer> {
    @Option(names = "--to", paramLabel = "nats://HOST:PORT/SUBJECT", required = true,
            description = "The subject the work-queue stream holds.")
    String to;

    @Parameters(paramLabel = "SPEC", arity = "1..*", description = "Documents (paths, or - for standard input once).")
    List<String> sources = new ArrayList<>();

    @Mixin
    BrokerOptions brokers = new BrokerOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        List<byte[]> documents = new ArrayList<>();
        boolean invalid = false;
        for (String source : sources) {
            byte[] bytes = CellLauncher.read(source, RunnerLog.to(err, "cell-runner: "));
            if (bytes == null) {
                return ExitCodes.USAGE;
            }
            SpecReadResult read = CellSpecReader.read(bytes);
            if (read instanceof SpecReadResult.Invalid problems) {
                ValidateCommand.printProblems(err, source, problems);
                invalid = true;
            }
            documents.add(bytes);
        }
        if (invalid) {
            err.println("cell-runner: enqueue: nothing was published");
            err.flush();
            return ExitCodes.INVALID_SPEC;
        }
        try {
            return WorkQueuePublisher.publish(to, brokers, sources, documents, out, err);
        } catch (IllegalArgumentException e) {
            err.println("cell-runner: enqueue: " + e.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        } catch (IOException e) {
            err.println("cell-runner: enqueue: " + e.getMessage());
            err.flush();
            return ExitCodes.UNAVAILABLE;
        }
    }
}
