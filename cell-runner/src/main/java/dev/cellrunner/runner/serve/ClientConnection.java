package dev.cellrunner.runner.serve;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.runner.os.UnixSocket;
import io.cloudevents.CloudEvent;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The server's side of one client: the cell's output, the runner's messages and (if asked for) the
 * events, each sent as frames. Once a write fails the client is taken as gone: later output is dropped
 * (the cell's pumps keep draining) and {@code onGone} runs once, which stops the client's cell.
 */
final class ClientConnection {
    private final OutputStream socket;
    private final Runnable onGone;
    private volatile boolean gone;

    ClientConnection(UnixSocket socket, Runnable onGone) {
        this.socket = socket.output();
        this.onGone = onGone;
    }

    void send(byte type, byte[] bytes, int offset, int length) {
        if (gone) {
            return;
        }
        try {
            Frames.write(socket, type, bytes, offset, length);
        } catch (IOException e) {
            gone();
        }
    }

    void sendExit(int status) {
        byte[] payload = Frames.exitPayload(status);
        send(Frames.EXIT, payload, 0, payload.length);
    }

    void sendMessage(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        send(Frames.MESSAGE, bytes, 0, bytes.length);
    }

    void gone() {
        if (!gone) {
            gone = true;
            onGone.run();
        }
    }

    boolean isGone() {
        return gone;
    }

    OutputStream stream(byte type) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                send(type, bytes, offset, length);
            }
        };
    }

    /** The runner's messages for this cell: one frame per flush (the launcher flushes after each line). */
    PrintWriter messages() {
        return new PrintWriter(new Writer() {
            private final StringBuilder pending = new StringBuilder();

            @Override
            public void write(char[] chars, int offset, int length) {
                pending.append(chars, offset, length);
            }

            @Override
            public void flush() {
                if (pending.length() > 0) {
                    byte[] bytes = pending.toString().getBytes(StandardCharsets.UTF_8);
                    pending.setLength(0);
                    send(Frames.MESSAGE, bytes, 0, bytes.length);
                }
            }

            @Override
            public void close() {
                flush();
            }
        });
    }

    /**
     * The client's copy of the events. Best effort: a client that went away loses its copy, never the
     * server's sinks, which are the record; so this sink never fails the trail.
     */
    EventSink events() {
        return new EventSink() {
            @Override
            public void append(CloudEvent event, byte[] json) {
                send(Frames.EVENT, json, 0, json.length);
            }

            @Override
            public void sync() {
                // a socket has nothing to make durable; the server's own sinks are synced by the trail
            }

            @Override
            public String describe() {
                return "the client's event stream";
            }

            @Override
            public void close() {
                // the connection is closed by the server once the exit status is sent
            }
        };
    }
}
