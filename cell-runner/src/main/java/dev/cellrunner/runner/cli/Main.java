package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.Phases;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Set;

/** {@code cell-runner [run] SPEC}, {@code cell-runner validate SPEC}, ... */
@Command(name = "cell-runner", mixinStandardHelpOptions = true, version = "cell-runner 0.1.0",
        description = "Runs one command exactly as an ExecutionCell document allows, with a signed audit trail.",
        subcommands = {RunCommand.class, ValidateCommand.class, VerifyCommand.class, KeygenCommand.class,
                FlushCommand.class, GcCommand.class})
public final class Main {
    private static final Set<String> TOP_LEVEL_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        Phases.mark("main");
        int status = execute(args);
        Phases.mark("exit");
        System.exit(status);
    }

    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("cell-runner: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println("cell-runner: internal error: " + e);
            return 70;
        });
        return cli.execute(withDefaultSubcommand(cli, args));
    }

    /** {@code cell-runner SPEC} means {@code cell-runner run SPEC}. */
    private static String[] withDefaultSubcommand(CommandLine cli, String[] args) {
        if (args.length == 0 || cli.getSubcommands().containsKey(args[0]) || TOP_LEVEL_OPTIONS.contains(args[0])) {
            return args;
        }
        String[] withRun = new String[args.length + 1];
        withRun[0] = "run";
        System.arraycopy(args, 0, withRun, 1, args.length);
        return withRun;
    }
}
