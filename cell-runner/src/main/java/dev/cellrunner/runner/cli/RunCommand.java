package dev.cellrunner.runner.cli;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.Phases;
import dev.cellrunner.spec.SpecReadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Runs one cell, or several from one JVM. With one document the runner's exit status is the command's,
 * or one of the contract's own codes; with several, see {@link ParallelRun}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the command of an ExecutionCell document inside its cell.",
                "With several documents: each its own cell, up to N at once (--parallel); every cell's output is "
                        + "printed whole when it ends, a summary line per cell goes to stderr, and the exit status "
                        + "is 0 if every cell exited 0, else that of the first document (in the order given) "
                        + "whose cell did not."})
final class RunCommand implements Callable<Integer> {
    static final String PARALLEL = "--parallel";
    static final String ATTEST = "--attest";

    @Parameters(paramLabel = "SPEC", arity = "1..*",
            description = "Path to the document, or - for standard input (once).")
    List<String> sources = new ArrayList<>();

    @Option(names = PARALLEL, paramLabel = "N", description = "Cells run at once when several SPECs are given (default 1).")
    int parallel = 1;

    @Option(names = ATTEST, paramLabel = "PATH",
            description = "After the run, write an in-toto Statement v1 with SLSA provenance v1 in a DSSE envelope, "
                    + "signed with the run's key: its subjects are the document's run.outputs, else the run's lines in "
                    + "the first jsonl: trail (one document only; needs a jsonl: sink). Check it with "
                    + "cell-runner verify --attestation PATH --key PUB.")
    Path attest;

    @Mixin
    RunnerOptions runner = new RunnerOptions();

    /** Set by picocli; null when {@link FastArgs} parsed the command line. */
    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        Phases.mark("cli-parsed");
        StartupWarmup.begin();
        PrintWriter err = RunnerLog.stderr(command);
        Consumer<String> log = RunnerLog.to(err, "cell-runner: ");
        if (parallel < 1) {
            log.accept(PARALLEL + " must be at least 1");
            return ExitCodes.USAGE;
        }
        // One document is read and validated before the options are checked: checking them loads JNA (and
        // JNA runs ldconfig), which the warm-up thread meanwhile does on the other core. What is reported,
        // and in which order, stays as it was: a bad option first, then an unreadable or invalid document.
        List<String> readProblems = new ArrayList<>();
        byte[] bytes = null;
        SpecReadResult read = null;
        if (sources.size() == 1) {
            bytes = CellLauncher.read(sources.get(0), readProblems::add);
            read = bytes == null ? null : CellLauncher.validate(bytes);
        }
        CellLauncher launcher = CellLauncher.create(runner, System.getenv(), log).orElse(null);
        if (launcher == null) {
            return ExitCodes.USAGE;
        }
        Phases.mark("key-ready");
        try {
            if (sources.size() > 1) {
                if (attest != null) {
                    log.accept(ATTEST + " attests one run: give one document");
                    return ExitCodes.USAGE;
                }
                return new ParallelRun(launcher, parallel, err).run(sources);
            }
            Optional<Attestation> attestation = Optional.empty();
            if (attest != null) {
                attestation = Attestation.prepare(attest, launcher.trailFile(), log);
                if (attestation.isEmpty()) {
                    return ExitCodes.USAGE;
                }
            }
            if (read == null) {
                readProblems.forEach(log);
                return ExitCodes.USAGE;
            }
            return launcher.launch(read, sources.get(0), new CellLauncher.CellIo(new FileOutputStream(FileDescriptor.out),
                    new FileOutputStream(FileDescriptor.err), err, List.of(), cell -> { }), attestation.orElse(null));
        } finally {
            launcher.awaitReleases(); // a clean exit leaves no uid record naming this runner
        }
    }
}
