package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Checks signatures, chain and completeness of every run in the given trails; one line per run. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify signed event trails: one line per run (ok, or the first bad event and why).",
                "Exit 0 if every run is complete and intact; 1 if any run was altered, reordered, duplicated or "
                        + "has a gap or a bad signature; 2 if none is bad but some run is incomplete; 74 if a file, stream "
                        + "or topic cannot be read."})
final class VerifyCommand implements Callable<Integer> {
    static final int BAD = 1;
    static final int INCOMPLETE = 2;

    @Option(names = "--key", paramLabel = "PUB",
            description = "Trusted public key file (repeatable). Without it, each run is checked against the key "
                    + "its own started event publishes: integrity, not origin.")
    List<Path> keys = new ArrayList<>();

    @Parameters(paramLabel = "TRAIL", arity = "1..*", description = "JSONL trail files (- for standard input), or "
            + "nats://HOST:PORT/SUBJECT (the JetStream stream holding that subject) or kafka://HOST:PORT/TOPIC, "
            + "read from the first event to the last one stored when verify started.")
    List<String> trails;

    @Mixin
    BrokerOptions brokers = new BrokerOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        List<Ed25519Key.PublicKey> trusted = new ArrayList<>();
        for (Path key : keys) {
            try {
                trusted.add(KeyFiles.readPublic(key));
            } catch (IOException e) {
                err.println("cell-runner: verify: --key " + e.getMessage());
                err.flush();
                return ExitCodes.USAGE;
            }
        }
        TrailVerifier verifier = new TrailVerifier(trusted, verdict -> {
            out.println(verdict.line());
            out.flush();
        });
        for (String trail : trails) {
            try (InputStream in = trail.equals("-") ? System.in
                    : BrokerTargets.isBroker(trail) ? BrokerTargets.trail(trail, brokers)
                    : Files.newInputStream(Path.of(trail))) {
                verifier.read(trail, in);
            } catch (IllegalArgumentException e) {
                err.println("cell-runner: verify: " + e.getMessage());
                err.flush();
                return ExitCodes.USAGE;
            } catch (IOException e) {
                out.flush();
                err.println("cell-runner: verify: cannot read " + trail + ": " + e.getMessage());
                err.flush();
                return ExitCodes.SINK_FAILED;
            }
        }
        verifier.finish();
        TrailVerifier.Summary summary = verifier.summary();
        verifier.problems().forEach(problem -> out.println("BAD: " + problem));
        if (summary.problems() > verifier.problems().size()) {
            out.println("BAD: ... and " + (summary.problems() - verifier.problems().size()) + " more lines that are no events");
        }
        verifier.notes().forEach(note -> out.println("note: " + note));
        if (summary.notes() > verifier.notes().size()) {
            out.println("note: ... and " + (summary.notes() - verifier.notes().size()) + " more notes");
        }
        long runs = summary.ok() + summary.incomplete() + summary.bad();
        if (runs == 0 && summary.problems() == 0) {
            out.println("no events found");
        }
        out.flush();
        if (summary.anythingBad()) {
            return BAD;
        }
        return runs == 0 || summary.incomplete() > 0 ? INCOMPLETE : ExitCodes.OK;
    }
}
