package dev.cellrunner.runner.cli;

import dev.cellrunner.events.SigningKey;
import dev.cellrunner.events.attest.InTotoAttestation;
import dev.cellrunner.runner.cell.CellPlan;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.cell.Provenance;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code run --attest PATH}: after {@code destroyed}, the run's signed in-toto attestation, written whole
 * (a temporary file renamed into place). A declared output missing after the run is recorded in the
 * attestation and turns a successful command's status into {@link #MISSING_OUTPUT}.
 */
final class Attestation {
    /** The command exited 0 but a declared output was not there (or not a regular file) after the run. */
    static final int MISSING_OUTPUT = 1;

    private final Path path;
    private final Path trail;
    private final Consumer<String> log;

    private Attestation(Path path, Path trail, Consumer<String> log) {
        this.path = path;
        this.trail = trail;
        this.log = log;
    }

    /** Checks before anything runs that the attestation can name a trail and be written; else says why. */
    static Optional<Attestation> prepare(Path path, Path trail, Consumer<String> log) {
        if (trail == null) {
            log.accept(RunCommand.ATTEST + " needs a jsonl:PATH event sink: the run's trail is part of its evidence");
            return Optional.empty();
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            log.accept(RunCommand.ATTEST + " " + path + ": " + parent + " is not a writable directory");
            return Optional.empty();
        }
        return Optional.of(new Attestation(path, trail.toAbsolutePath(), log));
    }

    Path trail() {
        return trail;
    }

    /** Writes the attestation; returns the runner's exit status given the cell's. */
    int write(CellPlan plan, Map<String, String> env, List<Provenance.FileDigest> dependencies,
              Provenance.RunRecord run, SigningKey key, int status) {
        if (status == ExitCodes.REFUSED) {
            log.accept("no attestation: the cell was refused and never ran (" + path + " not written)");
            return status;
        }
        List<Provenance.FileDigest> outputs = Provenance.outputs(plan);
        byte[] envelope = InTotoAttestation.sign(Provenance.statement(plan, env, dependencies, outputs, run), key.key());
        Path temporary = path.resolveSibling("." + path.getFileName() + "." + run.runId() + ".tmp");
        try {
            Files.write(temporary, envelope);
            try {
                Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            log.accept("cannot write the attestation " + path + ": " + e.getMessage());
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the failure to write is what gets reported
            }
            return ExitCodes.SINK_FAILED;
        }
        boolean missing = false;
        for (Provenance.FileDigest output : outputs) {
            if (output.sha256() == null) {
                log.accept("declared output " + output.path() + ": " + output.problem() + " (recorded in " + path + ")");
                missing = true;
            }
        }
        return missing && status == ExitCodes.OK ? MISSING_OUTPUT : status;
    }
}
