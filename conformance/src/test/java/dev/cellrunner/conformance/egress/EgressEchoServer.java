package dev.cellrunner.conformance.egress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Collections;

/**
 * A TCP and UDP echo server for the egress tests, started inside a test namespace with nsenter:
 * {@code EgressEchoServer PORT...} listens on every address of its namespace (IPv4 and IPv6), echoes
 * one read back per connection or datagram, prints "ready" once bound, and exits when stdin closes
 * (the test ended, or died), so it never outlives the test.
 */
public final class EgressEchoServer {
    private EgressEchoServer() {
    }

    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            int port = Integer.parseInt(arg);
            ServerSocket tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(InetAddress.getByName("::"), port));
            daemon(() -> serveTcp(tcp));
            // one UDP socket per address: a wildcard socket answers from whichever address routing picks
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (!address.isLinkLocalAddress()) {
                        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, port));
                        daemon(() -> serveUdp(udp));
                    }
                }
            }
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the test to close our stdin
        }
        System.exit(0);
    }

    private static void serveTcp(ServerSocket server) {
        while (true) {
            try (Socket client = server.accept()) {
                client.setSoTimeout(5000);
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                byte[] buffer = new byte[512];
                int n = in.read(buffer);
                if (n > 0) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // one bad client does not stop the server
            }
        }
    }

    private static void serveUdp(DatagramSocket socket) {
        byte[] buffer = new byte[512];
        while (true) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                socket.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
            } catch (IOException e) {
                // keep serving
            }
        }
    }

    private static void daemon(Runnable body) {
        Thread thread = new Thread(body);
        thread.setDaemon(true);
        thread.start();
    }
}
