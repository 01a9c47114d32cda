package dev.cellrunner.runner.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;

/**
 * A trail read from a broker as the bytes a JSONL file would hold, for anything that reads trails from a
 * stream (verify): a reader thread writes line after line into a bounded pipe, so memory stays flat
 * however long the trail. If reading fails, the stream ends with that failure instead of a clean end.
 */
final class TrailStream extends InputStream {
    /** Writes every line of a trail, newline-terminated, to {@code out}. */
    interface Source {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final int PIPE_BYTES = 1 << 20;

    private final PipedInputStream in;
    private final Thread reader;
    private volatile IOException failure;

    private TrailStream(Source source, String name) throws IOException {
        in = new PipedInputStream(PIPE_BYTES);
        PipedOutputStream out = new PipedOutputStream(in);
        reader = new Thread(() -> {
            try (out) {
                source.writeTo(out);
            } catch (IOException | RuntimeException e) {
                failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            }
        }, "trail-reader " + name);
        reader.setDaemon(true);
        reader.start();
    }

    static InputStream of(Source source, String name) throws IOException {
        return new TrailStream(source, name);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            endOfTrail();
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n < 0) {
            endOfTrail();
        }
        return n;
    }

    private void endOfTrail() throws IOException {
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
