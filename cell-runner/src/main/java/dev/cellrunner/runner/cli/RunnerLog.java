package dev.cellrunner.runner.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;

/** The runner's own messages: one line each, prefixed, flushed, whole even when cells write at once. */
final class RunnerLog {
    private RunnerLog() {
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
