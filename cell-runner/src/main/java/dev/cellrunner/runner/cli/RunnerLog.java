package dev.cellrunner.runner.cli;

import picocli.CommandLine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** The runner's own messages: one line each, prefixed, flushed, whole even when cells write at once. */
final class RunnerLog {
    private RunnerLog() {
    }

    /** picocli's stderr, or (when a command line was parsed without picocli) the process's own. */
    static PrintWriter stderr(CommandLine.Model.CommandSpec command) {
        return command != null ? command.commandLine().getErr()
                : new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8));
    }

    static Consumer<String> to(PrintWriter err, String prefix) {
        return message -> {
            synchronized (err) {
                err.println(prefix + message);
                err.flush();
            }
        };
    }
}
