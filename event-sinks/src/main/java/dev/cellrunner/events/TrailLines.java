package dev.cellrunner.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/** Splits a trail into lines, saying whether each ended with a newline; very long lines are cut, not buffered. */
public final class TrailLines {
    /** Longer than any event a sink writes; a line past this is malformed anyway. */
    public static final int MAX_LINE = EventJson.MAX_EVENT_BYTES + 64 * 1024;

    public record Line(int number, byte[] bytes, boolean terminated, boolean overlong) {
    }

    private TrailLines() {
    }

    public static void read(InputStream in, Consumer<Line> sink) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean overlong = false;
        int number = 1;
        int n;
        while ((n = in.read(buffer)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buffer[i] == '\n') {
                    if (!overlong) {
                        line.write(buffer, start, i - start);
                    }
                    sink.accept(new Line(number++, line.toByteArray(), true, overlong));
                    line.reset();
                    overlong = false;
                    start = i + 1;
                }
            }
            if (!overlong) {
                line.write(buffer, start, n - start);
                if (line.size() > MAX_LINE) {
                    overlong = true;
                    line.reset();
                }
            }
        }
        if (line.size() > 0 || overlong) {
            sink.accept(new Line(number, line.toByteArray(), false, overlong));
        }
    }
}
