package dev.cellrunner.runner.cli;

import dev.cellrunner.events.KeyFiles;
import dev.cellrunner.runner.cell.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Writes a new Ed25519 key pair for signing events; never replaces an existing key. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Write a new Ed25519 event-signing key pair: " + KeyFiles.PRIVATE_NAME + " (mode 0600) and "
                + KeyFiles.PUBLIC_NAME + " (give it to `cell-runner verify --key`).")
final class KeygenCommand implements Callable<Integer> {
    static final int CANNOT_CREATE = 73;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory for the two key files.")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        try {
            KeyFiles.Written written = KeyFiles.writeNewPair(out);
            command.commandLine().getOut().printf("private key %s%npublic key  %s%nkey id      %s%n",
                    written.privateKey(), written.publicKey(), written.keyId());
            command.commandLine().getOut().flush();
            return ExitCodes.OK;
        } catch (FileAlreadyExistsException e) {
            return fail(e.getFile());
        } catch (IOException e) {
            return fail("cannot write keys into " + out + ": " + e.getMessage());
        }
    }

    private int fail(String message) {
        command.commandLine().getErr().println("cell-runner: keygen: " + message);
        command.commandLine().getErr().flush();
        return CANNOT_CREATE;
    }
}
