package dev.cellrunner.runner.serve;

import dev.cellrunner.events.EventSink;
import dev.cellrunner.runner.cell.ExitCodes;
import dev.cellrunner.runner.os.LibC;
import dev.cellrunner.runner.os.PeerCredentials;
import dev.cellrunner.runner.os.UnixSocket;
import dev.cellrunner.spec.CellSpecReader;

import dev.cellrunner.spec.EgressMode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The resident runner: takes ExecutionCell documents over a Unix socket and runs each as its own cell,
 * streaming back its output, the runner's messages, its events (if asked) and its exit status.
 *
 * <p>It is a security boundary. The socket is 0600 in a 0700 directory ({@link SocketPlace}), the
 * kernel's record of who connected (SO_PEERCRED) must name the server's own uid or root, and the client
 * must not run inside a cell ({@link CellPeers}). Each client is
 * handled on its own thread, and whatever it does (garbage, a huge or slow request, going away) ends
 * its own request or cell only: a request must arrive whole within the request timeout, at most
 * {@code maxCells} requests are taken at once, and a client that disconnects (or stops reading) while its
 * cell runs gets that cell killed, which its events report.
 */
public final class CellServer {
    /** The document plus the flags byte. */
    private static final int MAX_REQUEST_BYTES = CellSpecReader.MAX_DOCUMENT_BYTES + 1;
    /** Connections handled at once beyond maxCells: room for refusals while the cells run. */
    private static final int CONNECTION_MARGIN = 16;
    static final String CLIENT_GONE = "the client disconnected (or stopped reading); the cell was killed";

    /** Runs one submitted document as a cell and returns its exit status. */
    @FunctionalInterface
    public interface CellHandler {
        int run(Submission submission);
    }

    /** One client's document and where its cell's output goes; {@code cancel} fires if the client goes away. */
    public record Submission(byte[] document, String name, OutputStream stdout, OutputStream stderr,
                             PrintWriter messages, List<EventSink> events, CancelSignal cancel, EgressMode egressMode) {
    }

    /**
     * @param requestTimeout how long a client may take to send its whole request
     * @param sendTimeout    how long a write to a client may block before the client counts as gone
     */
    public record Settings(Path socket, int maxCells, Duration requestTimeout, Duration sendTimeout) {
    }

    private final Settings settings;
    private final Path socketPath;
    private final UnixSocket listener;
    private final CellHandler handler;
    private final Consumer<String> log;
    private final int ownUid = LibC.INSTANCE.geteuid();
    /** Cells running at once, shared fairly between uids and processes. */
    private final FairShares slots;
    /** Bounds the client threads: past it a connection is answered "busy" on the accepting thread. */
    private final FairShares connections;
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean closing;

    private CellServer(Settings settings, Path socketPath, UnixSocket listener, CellHandler handler,
                       Consumer<String> log) {
        this.settings = settings;
        this.socketPath = socketPath;
        this.listener = listener;
        this.handler = handler;
        this.log = log;
        this.slots = FairShares.of("request slots (--max-cells)", settings.maxCells(), ownUid);
        this.connections = FairShares.of("connections", settings.maxCells() + CONNECTION_MARGIN, ownUid);
    }

    /** Binds the socket (ready for clients when this returns); {@link #serve()} then takes them. */
    public static CellServer bind(Settings settings, CellHandler handler, Consumer<String> log) throws IOException {
        Path path = SocketPlace.prepare(settings.socket());
        UnixSocket listener = UnixSocket.listen(path, 128);
        try {
            SocketPlace.restrict(path);
        } catch (IOException e) {
            listener.close();
            Files.deleteIfExists(path);
            throw e;
        }
        return new CellServer(settings, path, listener, handler, log);
    }

    public Path socket() {
        return socketPath;
    }

    /** Takes clients until {@link #close()}; each on a thread of its own. */
    public void serve() {
        while (!closing) {
            UnixSocket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closing) {
                    log.accept("accept failed: " + e.getMessage());
                }
                continue;
            }
            long number = requests.incrementAndGet();
            PeerCredentials peer;
            try {
                peer = client.peer();
            } catch (IOException e) {
                log.accept("request " + number + ": no peer credentials: " + e.getMessage());
                client.close();
                continue;
            }
            String full = connections.take(peer.uid(), peer.pid());
            if (full != null) {
                refuse(new ClientConnection(client, () -> { }), ExitCodes.UNAVAILABLE, "busy: " + full);
                client.close();
                log.accept("request " + number + " (uid " + peer.uid() + ", pid " + peer.pid() + "): refused, " + full);
                continue;
            }
            Thread thread = new Thread(() -> {
                try {
                    handle(client, peer, number);
                } finally {
                    connections.give(peer.uid(), peer.pid());
                }
            }, "serve-client-" + number);
            thread.setDaemon(true);
            thread.start();
        }
        listener.close();
    }

    /** Stops taking clients and removes the socket; cells in flight run on. */
    public void close() {
        closing = true;
        listener.shutdown();
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.accept("cannot remove " + socketPath + ": " + e.getMessage());
        }
    }

    private void handle(UnixSocket client, PeerCredentials peer, long number) {
        CancelSignal cancel = new CancelSignal();
        ClientConnection connection = new ClientConnection(client, () -> cancel.cancel(CLIENT_GONE));
        Thread watcher = null;
        try {
            String who = "request " + number + " (uid " + peer.uid() + ", pid " + peer.pid() + ")";
            if (peer.uid() != ownUid && peer.uid() != 0) {
                refuse(connection, ExitCodes.NO_PERMISSION, "permission denied: uid " + peer.uid()
                        + " may not submit cells to this server (only " + (ownUid == 0 ? "root" : "uid " + ownUid + " and root")
                        + " may)");
                log.accept(who + ": refused, not the server's uid or root");
                return;
            }
            Optional<String> cell = CellPeers.cellOf(client, peer);
            if (cell.isPresent()) {
                refuse(connection, ExitCodes.NO_PERMISSION, "permission denied: pid " + peer.pid()
                        + " runs inside a cell (cgroup " + cell.get() + "); cells may not submit cells");
                log.accept(who + ": refused, runs inside a cell");
                return;
            }
            client.timeouts(settings.requestTimeout(), settings.sendTimeout());
            byte[] document = readRequest(client, connection, who);
            if (document == null) {
                return;
            }
            String full = slots.take(peer.uid(), peer.pid());
            if (full != null) {
                refuse(connection, ExitCodes.UNAVAILABLE, "busy: " + full + "; try again later");
                log.accept(who + ": refused, busy: " + full);
                return;
            }
            try {
                boolean wantEvents = (document[0] & Frames.WANT_EVENTS) != 0;
                client.timeouts(Duration.ZERO, settings.sendTimeout()); // from now on a read waits for the client to go
                watcher = watchForDisconnect(client, connection, number);
                byte[] spec = java.util.Arrays.copyOfRange(document, 1, document.length);
                long start = System.nanoTime();
                EgressMode egressMode = (document[0] & Frames.EGRESS_AUDIT) != 0 ? EgressMode.AUDIT
                        : (document[0] & Frames.EGRESS_ENFORCE) != 0 ? EgressMode.ENFORCE : null;
                int status = handler.run(new Submission(spec, "request " + number, connection.stream(Frames.STDOUT),
                        connection.stream(Frames.STDERR), connection.messages(),
                        wantEvents ? List.of(connection.events()) : List.of(), cancel, egressMode));
                cancel.close();
                connection.sendExit(status);
                log.accept(String.format("%s: exit %d in %.1f ms%s", who, status, (System.nanoTime() - start) / 1e6,
                        connection.isGone() ? " (the client went away)" : ""));
            } finally {
                slots.give(peer.uid(), peer.pid());
            }
        } catch (IOException e) {
            log.accept("request " + number + ": " + e.getMessage());
        } catch (RuntimeException e) {
            log.accept("request " + number + ": internal error: " + e);
            connection.sendMessage("cell-runner: internal error: " + e);
            connection.sendExit(ExitCodes.SOFTWARE);
        } finally {
            cancel.close();
            client.shutdown();
            join(watcher);
            client.close();
        }
    }

    /** The request's flags and document, or null when it was malformed (the client was told why). */
    private byte[] readRequest(UnixSocket client, ClientConnection connection, String who) throws IOException {
        Frames.Frame request;
        try {
            request = Frames.read(untilDeadline(client, System.nanoTime() + settings.requestTimeout().toNanos()),
                    MAX_REQUEST_BYTES, Frames.REQUEST);
        } catch (SocketTimeoutException e) {
            refuse(connection, ExitCodes.USAGE, "malformed request: no complete request within "
                    + settings.requestTimeout().toMillis() + " ms");
            log.accept(who + ": refused, the request was too slow");
            return null;
        } catch (Frames.ProtocolError e) {
            refuse(connection, ExitCodes.USAGE, "malformed request: " + e.getMessage());
            log.accept(who + ": refused, " + e.getMessage());
            return null;
        }
        if (request == null) {
            log.accept(who + ": the client left without a request");
            return null;
        }
        if (request.payload().length < 1) {
            refuse(connection, ExitCodes.USAGE, "malformed request: an empty request frame (expected a "
                    + "flags byte and a document)");
            log.accept(who + ": refused, empty request");
            return null;
        }
        return request.payload();
    }

    /**
     * The client's bytes under one absolute deadline for the whole request frame: each read may wait only
     * for what is left of it, so a client that trickles a byte at a time is cut off all the same.
     */
    private InputStream untilDeadline(UnixSocket client, long deadlineNanos) {
        InputStream socket = client.input();
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("the request deadline passed");
                }
                client.timeouts(Duration.ofNanos(Math.max(left, 1_000_000)), settings.sendTimeout());
                return socket.read(bytes, offset, length);
            }
        };
    }

    /**
     * Says why and sends the exit status; the caller then closes. Whatever the client still sends is left
     * unread: on a Unix socket the client reads the answer first and only then sees the connection reset.
     */
    private static void refuse(ClientConnection connection, int status, String reason) {
        connection.sendMessage("cell-runner: " + reason);
        connection.sendExit(status);
    }

    /** A client sends nothing after its request; end of stream (or an error) means it went away. */
    private static Thread watchForDisconnect(UnixSocket client, ClientConnection connection, long number) {
        Thread watcher = new Thread(() -> {
            byte[] ignored = new byte[4096];
            try {
                while (client.read(ignored, 0, ignored.length) >= 0) {
                    // bytes after the request are ignored
                }
            } catch (IOException e) {
                // a broken connection is a gone client too
            }
            connection.gone();
        }, "serve-watch-" + number);
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    private static void join(Thread thread) {
        if (thread == null) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
