package dev.cellrunner.conformance.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A process that listens on ADDRESS for each PORT and prints "accept PORT" for every connection, after
 * one "listening" line. {@link TestNetHost} starts it inside the test host's network namespace. It
 * stops by itself after ten minutes, should the suite die without killing it.
 */
public final class CountingListener {
    private CountingListener() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        InetAddress address = InetAddress.getByName(args[0]);
        for (int i = 1; i < args.length; i++) {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(address, Integer.parseInt(args[i])));
            Thread acceptor = new Thread(() -> acceptLoop(server));
            acceptor.setDaemon(true);
            acceptor.start();
        }
        System.out.println("listening");
        System.out.flush();
        Thread.sleep(600_000);
    }

    private static void acceptLoop(ServerSocket server) {
        while (true) {
            try (Socket ignored = server.accept()) {
                synchronized (System.out) {
                    System.out.println("accept " + server.getLocalPort());
                    System.out.flush();
                }
            } catch (IOException e) {
                return;
            }
        }
    }
}
