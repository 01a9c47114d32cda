package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.Phases;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code cell-runner [run] SPEC}, {@code cell-runner validate SPEC}, ... */
@Command(name = "cell-runner", mixinStandardHelpOptions = true, version = "cell-runner 0.1.0",
        description = "Runs one command exactly as an ExecutionCell document allows, with a signed audit trail.",
        subcommands = {RunCommand.class, ValidateCommand.class, VerifyCommand.class, ExportCommand.class, KeygenCommand.class,
                FlushCommand.class, GcCommand.class, PlanCommand.class, ServeCommand.class, SubmitCommand.class,
                WorkerCommand.class, EnqueueCommand.class, PolicyCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    /** Names of the subcommands above (MainTest keeps them equal), known without building picocli's model. */
    static final Set<String> SUBCOMMANDS = Set.of("run", "validate", "verify", "export", "keygen", "flush", "gc", "plan",
            "serve", "submit", "worker", "enqueue", "policy", "help");
    private static final Set<String> TOP_LEVEL_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        Phases.mark("main");
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> System.err.println("cell-runner: internal error in "
                + thread.getName() + ": " + e));
        int status;
        try {
            status = execute(args);
        } catch (OutOfMemoryError e) {
            // a last resort: every input is bounded before it is read, so this means a bug or a tiny heap
            System.err.println("cell-runner: out of memory (" + e.getMessage() + "); nothing more was done."
                    + " The JVM's heap is set with JAVA_TOOL_OPTIONS=-Xmx...");
            status = ExitCodes.SOFTWARE;
        }
        Phases.mark("exit");
        System.exit(status);
    }

    public static int execute(String... args) {
        String[] withRun = withDefaultSubcommand(args);
        Optional<? extends Callable<Integer>> fast = fastPath(withRun);
        if (fast.isPresent()) {
            try {
                return fast.get().call();
            } catch (Exception e) {
                System.err.println("cell-runner: internal error: " + e);
                return ExitCodes.SOFTWARE;
            }
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("cell-runner: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println("cell-runner: internal error: " + e);
            return ExitCodes.SOFTWARE;
        });
        return cli.execute(withRun);
    }

    /** run and submit, the commands started most often, parsed without picocli when they are plain. */
    private static Optional<? extends Callable<Integer>> fastPath(String[] args) {
        if (args.length == 0) {
            return Optional.empty();
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "run" -> FastArgs.run(rest);
            case "submit" -> FastArgs.submit(rest);
            default -> Optional.empty();
        };
    }

    /** {@code cell-runner SPEC} means {@code cell-runner run SPEC}. */
    private static String[] withDefaultSubcommand(String[] args) {
        if (args.length == 0 || SUBCOMMANDS.contains(args[0]) || TOP_LEVEL_OPTIONS.contains(args[0])) {
            return args;
        }
        String[] withRun = new String[args.length + 1];
        withRun[0] = "run";
        System.arraycopy(args, 0, withRun, 1, args.length);
        return withRun;
    }
}
