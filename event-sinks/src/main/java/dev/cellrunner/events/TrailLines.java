package dev.cellrunner.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Splits a byte stream into trail lines, saying whether each ended with a newline; a line longer than
 * {@link #MAX_LINE} is flagged overlong and dropped, never buffered whole. A source that is no byte
 * stream (a message broker) hands {@link TrailVerifier#accept} one {@link Line} per message instead.
 */
public final class TrailLines {
    /** Longer than any event a sink writes; a line past this is malformed anyway. */
    public static final int MAX_LINE = EventJson.MAX_EVENT_BYTES + 64 * 1024;

    /** One line: its number in its source (1-based), its bytes without the newline, whether a newline ended it. */
    public record Line(long number, byte[] bytes, boolean terminated, boolean overlong) {
        /** A whole record from a source that frames its own messages. */
        public static Line whole(long number, byte[] bytes) {
            return new Line(number, bytes, true, bytes.length > MAX_LINE);
        }
    }

    private TrailLines() {
    }

    public static void read(InputStream in, Consumer<Line> sink) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean overlong = false;
        long number = 1;
        int n;
        while ((n = in.read(buffer)) > 0) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buffer[i] == '\n') {
                    if (!overlong) {
                        line.write(buffer, start, i - start);
                    }
                    sink.accept(new Line(number++, overlong ? new byte[0] : line.toByteArray(), true, overlong));
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
            sink.accept(new Line(number, overlong ? new byte[0] : line.toByteArray(), false, overlong));
        }
    }
}
