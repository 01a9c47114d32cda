package dev.cellrunner.runner.cli;

import java.io.PrintWriter;

/**
 * A cell's messages on a stderr that several cells share, each line naming its document (or work item);
 * also kept, so a worker can give them as the reason a document went to the dead letters.
 */
final class PrefixedMessages extends PrintWriter {
    private final String source;
    private final StringBuilder kept = new StringBuilder();

    PrefixedMessages(PrintWriter err, String source) {
        super(err, true);
        this.source = source;
    }

    @Override
    public void println(String line) {
        synchronized (out) {
            super.println(line.startsWith("cell-runner: ") ? "cell-runner: [" + source + "] "
                    + line.substring("cell-runner: ".length()) : "[" + source + "] " + line);
            flush();
        }
        synchronized (kept) {
            if (kept.length() < 64 * 1024) {
                kept.append(line.startsWith("cell-runner: ") ? line.substring("cell-runner: ".length()) : line).append('\n');
            }
        }
    }

    /** Every line so far (the first 64 KiB), without the prefixes. */
    String kept() {
        synchronized (kept) {
            return kept.toString();
        }
    }
}
