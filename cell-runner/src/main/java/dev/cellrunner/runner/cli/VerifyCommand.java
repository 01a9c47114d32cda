package dev.cellrunner.runner.cli;

import dev.cellrunner.events.CheckedFiles;
import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.events.attest.AttestationCheck;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Checks content, chain, signatures and completeness of every run in the given trails, and each file's run
 * chain; one line per run. With {@code --attestation}, checks in-toto attestations against trusted keys.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify signed event trails: one line per run (ok, or the first bad event and why), then what is "
                + "wrong with the order of runs in each file (a run deleted, inserted or reordered, a file cut at a run "
                + "boundary). By default every event's digests and chain links are checked and the signature of each "
                + "run's last event, which covers the whole run through the chain (CONTRACT.md section 3); "
                + "--every-signature checks each event's own.",
                "Exit 0 if every run is complete and intact and signed by a --key; 1 if any run was altered, reordered, "
                        + "duplicated or has a gap or a bad signature, or the order of runs in a file was changed, or an "
                        + "attestation does not hold; 2 if none is bad but some run is incomplete; "
                        + VerifyCommand.ORIGIN_NOT_PROVEN + " if every run is complete and intact but no --key was given "
                        + "(intact, origin not proven); " + VerifyCommand.UNSIGNED_ATTRIBUTES + " if every run is "
                        + "complete and intact but lines carry extension attributes no signature covers; 64 bad command "
                        + "line; 74 if a file, stream or topic cannot be read."})
final class VerifyCommand implements Callable<Integer> {
    static final int BAD = 1;
    static final int INCOMPLETE = 2;
    /** The same status as export's for the same finding. */
    static final int ORIGIN_NOT_PROVEN = ExportCommand.ORIGIN_NOT_PROVEN;
    static final int UNSIGNED_ATTRIBUTES = 4;
    private static final int MAX_ATTESTATION_BYTES = 4 << 20;

    @Option(names = "--key", paramLabel = "PUB",
            description = "Trusted public key file (repeatable). Without it, each run is checked against the key "
                    + "its own started event publishes: intact, origin not proven (exit " + ORIGIN_NOT_PROVEN + ").")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--every-signature", description = "Check the signature of every event, not only of each run's "
            + "last one (slower; names the first event whose own signature is bad).")
    boolean everySignature;

    @Option(names = "--no-run-chain", description = "Do not check the order of runs in each file: for a copy of a trail "
            + "(a second jsonl: sink, a client's --events-out) whose runprev links name lines of another file.")
    boolean noRunChain;

    @Option(names = "--attestation", paramLabel = "PATH", description = "An in-toto attestation written by run --attest "
            + "(repeatable; needs --key): its DSSE signature, its Statement and SLSA provenance, and each subject's "
            + "digest against the file on disk.")
    List<Path> attestations = new ArrayList<>();

    @Parameters(paramLabel = "TRAIL", arity = "0..*", description = "JSONL trail files (- for standard input), in "
            + "the order they were written (a rotated file before the one after it), or nats://HOST:PORT/SUBJECT (the "
            + "JetStream stream holding that subject) or kafka://HOST:PORT/TOPIC, read from the first event to the last "
            + "one stored when verify started.")
    List<String> trails = new ArrayList<>();

    @Mixin
    BrokerOptions brokers = new BrokerOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        if (trails.isEmpty() && attestations.isEmpty()) {
            err.println("cell-runner: verify: give a TRAIL or an --attestation PATH");
            err.flush();
            return ExitCodes.USAGE;
        }
        List<Ed25519Key.PublicKey> trusted = TrustedKeys.read(keys, "verify", err).orElse(null);
        if (trusted == null) {
            return ExitCodes.USAGE;
        }
        if (!attestations.isEmpty() && trusted.isEmpty()) {
            err.println("cell-runner: verify: --attestation needs --key: an attestation does not carry its key");
            err.flush();
            return ExitCodes.USAGE;
        }
        int attested = ExitCodes.OK;
        for (Path attestation : attestations) {
            int status = attestation(attestation, trusted, out, err);
            if (status != ExitCodes.OK) {
                if (status != BAD) {
                    return status;
                }
                attested = BAD;
            }
        }
        if (trails.isEmpty()) {
            return attested;
        }
        int status = trails(trusted, out, err);
        return status == ExitCodes.USAGE || status == ExitCodes.SINK_FAILED || attested == ExitCodes.OK
                ? status : attested;
    }

    private int trails(List<Ed25519Key.PublicKey> trusted, PrintWriter out, PrintWriter err) {
        TrailVerifier verifier = new TrailVerifier(trusted, new TrailVerifier.Options(everySignature, !noRunChain),
                verdict -> out.println(verdict.line()));
        for (String trail : trails) {
            boolean broker = BrokerTargets.isBroker(trail);
            try (InputStream in = flushingBeforeReads(trail.equals("-") ? System.in
                    : broker ? BrokerTargets.trail(trail, brokers)
                    : Files.newInputStream(Path.of(trail)), out)) {
                if (broker) {
                    verifier.readMessages(trail, in);
                } else {
                    verifier.read(trail, in);
                }
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
            out.println("BAD: ... and " + (summary.problems() - verifier.problems().size())
                    + " more lines that are no events or links out of order");
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
        if (runs == 0 || summary.incomplete() > 0) {
            return INCOMPLETE;
        }
        if (summary.unsignedAttributes() > 0) {
            return UNSIGNED_ATTRIBUTES;
        }
        return trusted.isEmpty() ? ORIGIN_NOT_PROVEN : ExitCodes.OK;
    }

    /**
     * Verdicts go out whenever the verifier turns to its input for more, so none waits on a trail that is still
     * being written (standard input, a broker), and a large file costs one write per read, not one per run.
     */
    private static InputStream flushingBeforeReads(InputStream in, PrintWriter out) {
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                out.flush();
                return super.read(b, off, len);
            }

            @Override
            public int read() throws IOException {
                out.flush();
                return super.read();
            }
        };
    }

    /** One attestation: a line per subject that matched, then ok, or every problem; 0, 1 (does not hold) or 74. */
    private static int attestation(Path path, List<Ed25519Key.PublicKey> trusted, PrintWriter out, PrintWriter err) {
        byte[] envelope;
        try {
            envelope = CheckedFiles.readSmallRegularFile(path, MAX_ATTESTATION_BYTES);
        } catch (IOException e) {
            err.println("cell-runner: verify: cannot read the attestation " + path + ": " + e.getMessage());
            err.flush();
            return ExitCodes.SINK_FAILED;
        }
        AttestationCheck.Report report = AttestationCheck.verify(envelope, trusted, Provenance.BUILD_TYPE);
        report.checked().forEach(line -> out.println("attestation " + path + ": subject " + line));
        if (report.ok()) {
            out.println("attestation " + path + ": ok, signed by a given key, run "
                    + report.statement().path("predicate").path("runDetails").path("metadata").path("invocationId").asText()
                    + ", " + report.checked().size() + " subject(s) match");
        } else {
            report.problems().forEach(problem -> out.println("attestation " + path + ": BAD: " + problem));
        }
        out.flush();
        return report.ok() ? ExitCodes.OK : BAD;
    }
}
