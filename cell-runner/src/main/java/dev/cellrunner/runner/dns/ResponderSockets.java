package dev.cellrunner.runner.dns;

import dev.cellrunner.nft.DnsPolicy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The sockets of a cell's DNS responder: UDP and TCP on 127.0.0.53:53 and [::1]:53 inside the cell's
 * network namespace. They are created by a thread inside that namespace (a socket belongs to the
 * namespace it was created in, whichever thread uses it), then served from runner threads: one selector
 * thread per cell receives and accepts, and pooled threads answer, so a slow upstream never holds up
 * the next query. Each cell answers at most {@link #IN_FLIGHT} queries at once (more datagrams are
 * dropped, and their clients retry) and keeps at most {@link #TCP_CONNECTIONS} TCP connections.
 */
public final class ResponderSockets implements AutoCloseable {
    static final int IN_FLIGHT = 64;
    static final int TCP_CONNECTIONS = 16;
    private static final int TCP_IDLE_MILLIS = 10_000;
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "cell-dns-worker");
        thread.setDaemon(true);
        return thread;
    });

    private final CellResponder responder;
    private final Selector selector;
    private final List<DatagramChannel> udp;
    private final List<ServerSocketChannel> tcp;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Semaphore connections = new Semaphore(TCP_CONNECTIONS);
    private final Consumer<String> log;
    private final Thread serving;
    private volatile boolean closed;

    private ResponderSockets(CellResponder responder, Selector selector, List<DatagramChannel> udp,
                             List<ServerSocketChannel> tcp, String name, Consumer<String> log) {
        this.responder = responder;
        this.selector = selector;
        this.udp = udp;
        this.tcp = tcp;
        this.log = log;
        this.serving = new Thread(this::serve, name);
        serving.setDaemon(true);
    }

    /** Channels bound inside a cell: created by {@link #bindHere} on a thread in the cell's namespace. */
    public record Bound(List<DatagramChannel> udp, List<ServerSocketChannel> tcp) {
    }

    /** Binds the responder's four sockets in the calling thread's network namespace. */
    public static Bound bindHere() throws IOException {
        InetAddress v4 = InetAddress.getByName(DnsPolicy.RESPONDER_IPV4);
        InetAddress v6 = InetAddress.getByName(DnsPolicy.RESPONDER_IPV6);
        List<DatagramChannel> udp = List.of(
                DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(v4, DnsPolicy.PORT)),
                DatagramChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(v6, DnsPolicy.PORT)));
        List<ServerSocketChannel> tcp = List.of(
                ServerSocketChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(v4, DnsPolicy.PORT), 64),
                ServerSocketChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(v6, DnsPolicy.PORT), 64));
        return new Bound(udp, tcp);
    }

    /** Binds inside the cell through {@code inside} (e.g. the launch thread), then serves from runner threads. */
    public static ResponderSockets start(Callable<Bound> inside, CellResponder responder, String name,
                                         Consumer<String> log) throws Exception {
        Bound bound = inside.call();
        Selector selector = Selector.open();
        try {
            for (DatagramChannel channel : bound.udp()) {
                channel.configureBlocking(false).register(selector, SelectionKey.OP_READ, channel);
            }
            for (ServerSocketChannel channel : bound.tcp()) {
                channel.configureBlocking(false).register(selector, SelectionKey.OP_ACCEPT, channel);
            }
        } catch (IOException e) {
            selector.close();
            closeAll(bound);
            throw e;
        }
        ResponderSockets sockets = new ResponderSockets(responder, selector, bound.udp(), bound.tcp(), name, log);
        sockets.serving.start();
        return sockets;
    }

    private void serve() {
        ByteBuffer buffer = ByteBuffer.allocate(65535);
        try {
            while (!closed) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isReadable()) {
                        receive((DatagramChannel) key.attachment(), buffer);
                    } else if (key.isValid() && key.isAcceptable()) {
                        accept((ServerSocketChannel) key.attachment());
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                log.accept("the cell's DNS responder stopped: " + e.getMessage());
            }
        }
    }

    private void receive(DatagramChannel channel, ByteBuffer buffer) throws IOException {
        while (true) {
            buffer.clear();
            SocketAddress client = channel.receive(buffer);
            if (client == null) {
                return;
            }
            if (!inFlight.tryAcquire()) {
                continue; // too many at once: dropped, the client retries
            }
            byte[] query = new byte[buffer.position()];
            buffer.flip().get(query);
            WORKERS.execute(() -> {
                try {
                    byte[] answer = responder.answer(query, query.length, true);
                    if (answer != null) {
                        channel.send(ByteBuffer.wrap(answer), client);
                    }
                } catch (IOException | RuntimeException e) {
                    if (!closed) {
                        log.accept("DNS answer over UDP not sent: " + e);
                    }
                } finally {
                    inFlight.release();
                }
            });
        }
    }

    private void accept(ServerSocketChannel server) throws IOException {
        SocketChannel client;
        while ((client = server.accept()) != null) {
            if (!connections.tryAcquire()) {
                client.close();
                continue;
            }
            SocketChannel connection = client;
            WORKERS.execute(() -> {
                try (connection) {
                    serveTcp(connection);
                } catch (IOException | RuntimeException e) {
                    // the client went away or sent nonsense: its connection ends
                } finally {
                    connections.release();
                }
            });
        }
    }

    /** Length-prefixed queries, answered in order until the client closes or is idle for 10 s. */
    private void serveTcp(SocketChannel connection) throws IOException {
        connection.configureBlocking(true);
        connection.socket().setSoTimeout(TCP_IDLE_MILLIS);
        DataInputStream in = new DataInputStream(connection.socket().getInputStream());
        DataOutputStream out = new DataOutputStream(connection.socket().getOutputStream());
        while (!closed) {
            int length;
            try {
                length = in.readUnsignedShort();
            } catch (EOFException | SocketTimeoutException done) {
                return;
            }
            byte[] query = new byte[length];
            in.readFully(query);
            byte[] answer = responder.answer(query, length, false);
            if (answer == null) {
                return;
            }
            out.writeShort(answer.length);
            out.write(answer);
            out.flush();
        }
    }

    public CellResponder responder() {
        return responder;
    }

    /** Stops serving and closes the sockets; queries being answered finish on their own. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
        closeAll(new Bound(udp, tcp));
        try {
            serving.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeAll(Bound bound) {
        for (java.nio.channels.Channel channel : concat(bound)) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    private static List<java.nio.channels.Channel> concat(Bound bound) {
        List<java.nio.channels.Channel> all = new java.util.ArrayList<>(bound.udp());
        all.addAll(bound.tcp());
        return all;
    }
}
