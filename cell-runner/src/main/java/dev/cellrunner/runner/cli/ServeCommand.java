package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.LaunchStart;
import dev.cellrunner.runner.serve.CellServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** The resident runner: cells submitted over a Unix socket run in this JVM, each as {@code run} would run it. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run cells submitted over a Unix socket (cell-runner submit), with these sinks and key.",
                "The socket is made 0600 in a directory only this user can enter (created 0700); only this uid "
                        + "and root may submit (checked with SO_PEERCRED). Stops on SIGTERM/SIGINT; cells in "
                        + "flight are then killed and reported."})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--socket", paramLabel = "PATH", required = true,
            description = "Where to listen, e.g. $XDG_RUNTIME_DIR/cell-runner/serve.sock.")
    Path socket;

    @Option(names = "--max-cells", paramLabel = "N", description = "Requests taken at once; more are refused as busy (default 64).")
    int maxCells = 64;

    @Option(names = "--request-timeout-ms", paramLabel = "MS",
            description = "How long a client may take to send its request (default 10000).")
    long requestTimeoutMs = 10_000;

    @Option(names = "--send-timeout-ms", paramLabel = "MS",
            description = "How long a write to a client that does not read may block before its cell is killed (default 30000).")
    long sendTimeoutMs = 30_000;

    @Mixin
    RunnerOptions runner = new RunnerOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        Consumer<String> log = RunnerLog.to(err, "cell-runner serve: ");
        if (maxCells < 1 || requestTimeoutMs < 1 || sendTimeoutMs < 1) {
            log.accept("--max-cells, --request-timeout-ms and --send-timeout-ms must be positive");
            return ExitCodes.USAGE;
        }
        Path socketDir = socket.toAbsolutePath().getParent();
        CellLauncher launcher = CellLauncher.create(runner, System.getenv(), log,
                socketDir == null ? List.of() : List.of(socketDir)).orElse(null);
        if (launcher == null) {
            return ExitCodes.USAGE;
        }
        CellServer server;
        try {
            server = CellServer.bind(new CellServer.Settings(socket, maxCells, Duration.ofMillis(requestTimeoutMs),
                    Duration.ofMillis(sendTimeoutMs)), submission -> launcher.launch(submission.document(),
                    submission.name(), new CellLauncher.CellIo(submission.stdout(), submission.stderr(),
                            submission.messages(), submission.events(),
                            cell -> submission.cancel().whenCancelled(cell::cancel))
                            .withEgressMode(submission.egressMode())), log);
        } catch (IOException e) {
            log.accept("cannot listen on " + socket + ": " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            launcher.awaitReleases(); // a clean exit leaves no uid record naming this runner
        }, "serve-stop"));
        log.accept("listening on " + server.socket());
        LaunchStart.keepOneAhead(); // resident: each cell's network namespace is made before it comes
        ServeWarmup.begin(log);
        server.serve();
        return ExitCodes.OK;
    }
}
