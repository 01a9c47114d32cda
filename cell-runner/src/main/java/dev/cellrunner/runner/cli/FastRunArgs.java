package dev.cellrunner.runner.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The common {@code run} command line, parsed without picocli. Building picocli's model reflects over
 * every subcommand and loads classes the AppCDS archive cannot hold (they are Java 5 class files), which
 * costs about 80 ms of a one-shot start. Anything this parser does not fully understand (help, an
 * unknown or malformed option) goes to picocli, which parses it as before and words the error.
 * RunCommandArgsTest keeps the two option sets equal.
 */
final class FastRunArgs {
    /** Options that take a value, as {@code --name VALUE} or {@code --name=VALUE}. */
    static final Set<String> VALUED = Set.of(RunnerOptions.EVENTS, RunnerOptions.SIGNING_KEY, HttpEventOptions.MODE,
            HttpEventOptions.SPOOL_DIR, HttpEventOptions.CA, HttpEventOptions.TIMEOUT_MS, HttpEventOptions.GRACE_MS,
            RunCommand.PARALLEL);

    private FastRunArgs() {
    }

    /** {@code args} after the subcommand name; empty when picocli must handle them. */
    static Optional<RunCommand> parse(String[] args) {
        RunCommand run = new RunCommand();
        boolean optionsEnded = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.startsWith("@")) {
                    return Optional.empty(); // picocli reads @FILE as an argument file
                }
                if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                    run.sources.add(arg);
                    continue;
                }
                if (arg.equals("--")) {
                    optionsEnded = true;
                    continue;
                }
                int equals = arg.indexOf('=');
                String name = equals < 0 ? arg : arg.substring(0, equals);
                if (!VALUED.contains(name) || (equals < 0 && i + 1 >= args.length)) {
                    return Optional.empty();
                }
                set(run, name, equals < 0 ? args[++i] : arg.substring(equals + 1));
            }
        } catch (NumberFormatException | InvalidPathException e) {
            return Optional.empty();
        }
        return run.sources.isEmpty() ? Optional.empty() : Optional.of(run);
    }

    private static void set(RunCommand run, String name, String value) {
        RunnerOptions runner = run.runner;
        switch (name) {
            case RunnerOptions.EVENTS -> runner.events.add(value);
            case RunnerOptions.SIGNING_KEY -> runner.signingKey = Path.of(value);
            case HttpEventOptions.MODE -> runner.http.mode = value;
            case HttpEventOptions.SPOOL_DIR -> runner.http.spoolDir = Path.of(value);
            case HttpEventOptions.CA -> runner.http.trustedCertificates = Path.of(value);
            case HttpEventOptions.TIMEOUT_MS -> runner.http.requestTimeoutMs = Long.parseLong(value);
            case HttpEventOptions.GRACE_MS -> runner.http.graceMs = Long.parseLong(value);
            case RunCommand.PARALLEL -> run.parallel = Integer.parseInt(value);
            default -> throw new IllegalStateException("unhandled option " + name);
        }
    }
}
