package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP listener on a host address that counts the connections it accepts. The count is the ground
 * truth for "the cell could not reach it": a refused connect inside the cell and zero accepts here.
 */
public final class HostListener implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    private HostListener(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "crconf-listener-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Listens on an ephemeral port of {@code address} (e.g. 127.0.0.1 or ::1). */
    public static HostListener on(String address) {
        try {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return new HostListener(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address, e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    /** Connects from the host itself and waits until the listener counted it: proof the listener works. */
    public void proveReachableFromHost() {
        int before = accepted();
        try (Socket probe = new Socket()) {
            probe.connect(server.getLocalSocketAddress(), 2000);
        } catch (IOException e) {
            throw new AssertionError("the test's own listener is not reachable from the host: " + e, e);
        }
        Await.until(java.time.Duration.ofSeconds(5), "the listener to count the host's probe",
                () -> accepted() > before);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket ignored = server.accept()) {
                accepted.incrementAndGet();
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to clean up beyond the socket
        }
    }
}
