package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.RunVerdict;
import dev.cellrunner.events.TrailVerifier;
import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The trails of the commands that use only runs that verify ({@code export}, {@code policy suggest}):
 * checked as verify checks them, and the runs refused reported alike, with the same statuses
 * ({@link ExportCommand#REFUSED_SOME}, {@link ExportCommand#ORIGIN_NOT_PROVEN}).
 */
final class VerifiedTrailOptions {
    @Option(names = "--key", paramLabel = "PUB",
            description = "Trusted public key file (repeatable). Without it, each run is checked against the key its "
                    + "own started event publishes: intact, origin not proven.")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--every-signature", description = "Check the signature of every event, not only of each run's "
            + "last one, as verify --every-signature does.")
    boolean everySignature;

    @Option(names = "--no-run-chain", description = "Do not check the order of runs in each file, as verify "
            + "--no-run-chain (for a copy of a trail whose runprev links name lines of another file).")
    boolean noRunChain;

    @Parameters(paramLabel = "TRAIL", arity = "1..*", description = "JSONL trail files (- for standard input).")
    List<String> trails;

    /** What a command does with the trails, laid out as files, and the keys given. */
    @FunctionalInterface
    interface TrailUse {
        int use(List<Path> files, List<Ed25519Key.PublicKey> trusted) throws IOException;
    }

    /**
     * Reads the keys (one that cannot be read: said, exit 64), lays the trails out as files and hands both
     * to {@code use}, whose status it returns; a file that cannot be read or written: said, exit 74. Standard
     * input is read twice (verified, then used), so it is first copied to a private temporary file.
     */
    int use(String command, PrintWriter err, TrailUse use) {
        List<Ed25519Key.PublicKey> trusted = TrustedKeys.read(keys, command, err).orElse(null);
        if (trusted == null) {
            return ExitCodes.USAGE;
        }
        try (TrailFiles files = new TrailFiles()) {
            for (String trail : trails) {
                files.paths.add(trail.equals("-") ? files.stdinCopy() : Path.of(trail));
            }
            return use.use(files.paths, trusted);
        } catch (IOException e) {
            err.println("cell-runner: " + command + ": " + e.getMessage());
            return ExitCodes.SINK_FAILED;
        }
    }

    TrailVerifier.Options verifierOptions() {
        return new TrailVerifier.Options(everySignature, !noRunChain);
    }

    /** The trail files, with the private temporary copy of standard input removed on close. */
    private static final class TrailFiles implements AutoCloseable {
        private final List<Path> paths = new ArrayList<>();
        private final List<Path> temporary = new ArrayList<>();

        private Path stdinCopy() throws IOException {
            Path copy = Files.createTempFile("cell-runner-export-", ".jsonl");
            temporary.add(copy);
            try (InputStream in = System.in) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        }

        @Override
        public void close() throws IOException {
            for (Path file : temporary) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * Names on {@code err} every refused run, every used run whose lines carry attributes no signature
     * covers (then {@code unsignedNote}), and every line that is no event.
     */
    static void reportRuns(String command, List<RunVerdict> refused, List<RunVerdict> used, List<String> problems,
                           String unsignedNote, PrintWriter err) {
        for (RunVerdict run : refused) {
            err.println("cell-runner: " + command + ": refused " + run.line());
        }
        for (RunVerdict run : used) {
            if (run.unsigned() != null) {
                err.println("cell-runner: " + command + ": note: run " + run.runId() + ": " + run.unsigned() + unsignedNote);
            }
        }
        problems.forEach(problem -> err.println("cell-runner: " + command + ": BAD: " + problem));
    }

    /** Some run refused or line no event: 1; else without a key: 3 (intact, origin not proven); else 0. */
    static int status(boolean refusedSome, List<Ed25519Key.PublicKey> trusted) {
        if (refusedSome) {
            return ExportCommand.REFUSED_SOME;
        }
        return trusted.isEmpty() ? ExportCommand.ORIGIN_NOT_PROVEN : ExitCodes.OK;
    }
}
