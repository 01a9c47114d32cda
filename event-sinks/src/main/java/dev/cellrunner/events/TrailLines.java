package dev.cellrunner.events;

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

    private static final int READ_BUFFER = 256 * 1024;
    private static final byte[] EMPTY = new byte[0];

    private TrailLines() {
    }

    public static void read(InputStream in, Consumer<Line> sink) throws IOException {
        // One copy per line: a line within the buffer is copied out of it; only a line that spans reads is
        // gathered in `pending` (at most MAX_LINE bytes, then it is known overlong and its bytes are dropped).
        byte[] buffer = new byte[READ_BUFFER];
        byte[] pending = new byte[0];
        int pendingLength = 0;
        boolean overlong = false;
        long number = 1;
        int n;
        while ((n = in.read(buffer)) > 0) {
            int start = 0;
            for (int newline = indexOf(buffer, 0, n); newline >= 0; newline = indexOf(buffer, start, n)) {
                int length = newline - start;
                overlong |= (long) pendingLength + length > MAX_LINE;
                byte[] line;
                if (overlong) {
                    line = EMPTY;
                } else if (pendingLength == 0) {
                    line = java.util.Arrays.copyOfRange(buffer, start, newline);
                } else {
                    line = java.util.Arrays.copyOf(pending, pendingLength + length);
                    System.arraycopy(buffer, start, line, pendingLength, length);
                }
                sink.accept(new Line(number++, line, true, overlong));
                pendingLength = 0;
                overlong = false;
                start = newline + 1;
            }
            int rest = n - start;
            if (!overlong && (long) pendingLength + rest > MAX_LINE) {
                overlong = true;
                pendingLength = 0;
            }
            if (!overlong && rest > 0) {
                if (pending.length < pendingLength + rest) {
                    pending = java.util.Arrays.copyOf(pending, Math.max(pendingLength + rest, 2 * pending.length));
                }
                System.arraycopy(buffer, start, pending, pendingLength, rest);
                pendingLength += rest;
            }
        }
        if (pendingLength > 0 || overlong) {
            sink.accept(new Line(number, overlong ? EMPTY : java.util.Arrays.copyOf(pending, pendingLength), false, overlong));
        }
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
