package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.SpecProblem;
import dev.cellrunner.spec.SpecReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.concurrent.Callable;

/** Checks a document and prints every problem with its JSON pointer; runs nothing. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Validate an ExecutionCell document; exit 0 if valid, 65 with every problem if not.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", description = "Path to the document, or - for standard input.")
    String source;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        byte[] bytes;
        try {
            bytes = SpecInput.read(source);
        } catch (IOException e) {
            command.commandLine().getErr().println("cell-runner: cannot read " + source + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        SpecReadResult result = CellSpecReader.read(bytes);
        if (result instanceof SpecReadResult.Invalid invalid) {
            printProblems(command.commandLine().getErr(), source, invalid);
            return ExitCodes.INVALID_SPEC;
        }
        command.commandLine().getOut().println(source + ": valid");
        return ExitCodes.OK;
    }

    static void printProblems(java.io.PrintWriter err, String source, SpecReadResult.Invalid invalid) {
        err.println("cell-runner: " + source + ": invalid ExecutionCell document (" + invalid.problems().size()
                + " problem" + (invalid.problems().size() == 1 ? "" : "s") + "):");
        for (SpecProblem problem : invalid.problems()) {
            err.println("  " + problem);
        }
        err.flush();
    }
}
