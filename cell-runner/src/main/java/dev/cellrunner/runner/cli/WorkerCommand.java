package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A resident runner fed from a JetStream work queue: every document is run by the launcher {@code run}
 * and {@code serve} use (same options, validation, confinement and events). The broker client is loaded
 * only in {@link WorkerSetup}.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Take ExecutionCell documents from a JetStream work-queue stream and run each as `run` would, "
                + "up to N at once. A document is acknowledged once its destroyed event is confirmed by every sink "
                + "(or spooled); invalid and refused ones go to the dead letters with the reason; a redelivered one "
                + "whose run already reached destroyed (looked up in the event stream) is acknowledged without "
                + "running again. Many workers on many hosts may share one consumer.",
                "SIGTERM or SIGINT: stop taking work, finish what is in hand, exit 0; a second one kills the cells "
                        + "in hand (reported, as `run` does)."})
final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--from", paramLabel = "nats://HOST:PORT/STREAM", required = true,
            description = "The work-queue stream (the operator's; never created or changed here).")
    String from;

    @Option(names = "--consumer", paramLabel = "NAME",
            description = "Durable pull consumer shared by the workers (default cell-runner); created if missing.")
    String consumer = "cell-runner";

    @Option(names = "--parallel", paramLabel = "N", description = "Cells run at once (default 1).")
    int parallel = 1;

    @Option(names = "--ack-wait-ms", paramLabel = "MS",
            description = "Ack wait of a consumer created here (default 30000): a document neither acknowledged nor "
                    + "marked in progress for that long is redelivered. An existing consumer keeps its own.")
    long ackWaitMs = 30_000;

    @Option(names = "--dead-letter", paramLabel = "SUBJECT",
            description = "Where invalid and refused documents go, with the reason in headers (default "
                    + "cell-runner.dead.STREAM); a stream must hold that subject.")
    String deadLetter;

    @Option(names = "--idle-exit-ms", paramLabel = "MS",
            description = "Stop (exit 0) once no document came for this long and none is in hand: for a batch "
                    + "Job that drains the queue. Default: run until SIGTERM.")
    Long idleExitMs;

    @Option(names = "--retry-delay-ms", paramLabel = "MS",
            description = "How long a document handed back (no sink could take its events) waits (default 10000).")
    long retryDelayMs = 10_000;

    @Mixin
    RunnerOptions runner = new RunnerOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        Consumer<String> log = RunnerLog.to(err, "cell-runner worker: ");
        if (parallel < 1 || ackWaitMs < 1000 || retryDelayMs < 0 || idleExitMs != null && idleExitMs < 1) {
            log.accept("--parallel must be at least 1, --ack-wait-ms at least 1000, --retry-delay-ms not negative "
                    + "and --idle-exit-ms positive");
            return ExitCodes.USAGE;
        }
        CellLauncher launcher = CellLauncher.create(runner, System.getenv(), log).orElse(null);
        if (launcher == null) {
            return ExitCodes.USAGE;
        }
        try {
            return WorkerSetup.run(this, launcher, err, log);
        } finally {
            launcher.awaitReleases(); // a clean exit leaves no uid record naming this runner
        }
    }
}
