package dev.cellrunner.runner.cli;

import dev.cellrunner.events.Ed25519Key;
import dev.cellrunner.events.KeyFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The public keys given with {@code --key}; an unreadable one is reported once and gives nothing (exit 64). */
final class TrustedKeys {
    private TrustedKeys() {
    }

    static Optional<List<Ed25519Key.PublicKey>> read(List<Path> files, String command, PrintWriter err) {
        List<Ed25519Key.PublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            try {
                keys.add(KeyFiles.readPublic(file));
            } catch (IOException e) {
                err.println("cell-runner: " + command + ": --key " + e.getMessage());
                err.flush();
                return Optional.empty();
            }
        }
        return Optional.of(keys);
    }
}
