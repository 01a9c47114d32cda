package dev.cellrunner.runner.serve;

import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.spec.CellSpecReader;
import dev.cellrunner.spec.EgressMode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * {@code cell-runner submit}: sends one document to a server and relays what comes back until the exit
 * status. Plain JDK channels: the client needs no native code (and starts faster without it).
 */
public final class SubmitClient {
    /** Larger than any frame a server sends (events are at most 1 MiB, output comes in 64 KiB pieces). */
    private static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;

    private SubmitClient() {
    }

    /**
     * @param events where the events go (one JSON line each), or null to not ask for them
     * @return the cell's exit status as {@code run} would return it, or 75/76 when the server could not be
     *         reached or broke off
     */
    public static int submit(Path socket, byte[] document, OutputStream stdout, OutputStream stderr,
                             OutputStream events, Consumer<String> log) {
        return submit(socket, document, stdout, stderr, events, null, log);
    }

    /** @param egressMode the mode the client asks for ({@code --egress-mode}), or null for the document's */
    public static int submit(Path socket, byte[] document, OutputStream stdout, OutputStream stderr,
                             OutputStream events, EgressMode egressMode, Consumer<String> log) {
        SocketChannel server;
        try {
            server = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            log.accept("cannot open a Unix socket: " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        try (server) {
            try {
                server.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException | InvalidPathException e) {
                log.accept("cannot reach a server at " + socket + ": " + e.getMessage());
                return ExitCodes.UNAVAILABLE;
            }
            int flags = (events != null ? Frames.WANT_EVENTS : 0) | (egressMode == EgressMode.AUDIT ? Frames.EGRESS_AUDIT
                    : egressMode == EgressMode.ENFORCE ? Frames.EGRESS_ENFORCE : 0);
            sendRequest(Channels.newOutputStream(server), document, flags);
            return relay(Channels.newInputStream(server), stdout, stderr, events, log);
        } catch (IOException e) {
            return ExitCodes.PROTOCOL; // closing failed: everything was relayed already
        }
    }

    private static void sendRequest(OutputStream server, byte[] document, int flags) {
        int length = Math.min(document.length, CellSpecReader.MAX_DOCUMENT_BYTES + 1);
        byte[] payload = ByteBuffer.allocate(1 + length).put((byte) flags)
                .put(document, 0, length).array();
        try {
            Frames.write(server, Frames.REQUEST, payload, 0, payload.length);
        } catch (IOException e) {
            // the server may have refused us already: its answer says why
        }
    }

    private static int relay(InputStream server, OutputStream stdout, OutputStream stderr, OutputStream events,
                             Consumer<String> log) {
        try {
            for (Frames.Frame frame = Frames.read(server, MAX_FRAME_BYTES, (byte) 0); frame != null;
                 frame = Frames.read(server, MAX_FRAME_BYTES, (byte) 0)) {
                byte[] payload = frame.payload();
                switch (frame.type()) {
                    case Frames.STDOUT -> write(stdout, payload);
                    case Frames.STDERR, Frames.MESSAGE -> write(stderr, payload);
                    case Frames.EVENT -> {
                        if (events != null) {
                            write(events, payload);
                            write(events, new byte[] {'\n'});
                        }
                    }
                    case Frames.EXIT -> {
                        return ByteBuffer.wrap(payload).getInt();
                    }
                    default -> throw new Frames.ProtocolError("unknown frame " + Frames.name(frame.type()));
                }
            }
            log.accept("the server closed the connection before the cell ended");
        } catch (IOException e) {
            log.accept("connection to the server failed: " + e.getMessage());
        } catch (Frames.ProtocolError e) {
            log.accept("the server does not speak this protocol: " + e.getMessage());
        }
        return ExitCodes.PROTOCOL;
    }

    /** Output the local side cannot take (closed pipe) is dropped; the cell is not stopped for it. */
    private static void write(OutputStream to, byte[] bytes) {
        try {
            to.write(bytes);
            to.flush();
        } catch (IOException ignored) {
            // like run: a broken local output does not end the cell
        }
    }
}
